"""Confirming a selection, extensions, declines, cancellations and expiry.

Each change that a person must hear of (confirmed, cancelled, expired, and the
deadline drawing near) writes its notice to the outbox in the same transaction
(:mod:`puerta.notify.service`), and withdraws the selection's unsent notices it
made untrue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from puerta import ids, lifecycle
from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation.liveness import LivenessProvider, LivenessResult
from puerta.confirmation.models import SCAN_ACTIVE, Appointment, LivenessCheck, LivenessScan
from puerta.confirmation.slots import slot_for
from puerta.draw import service as draw_service
from puerta.draw.models import Selection
from puerta.errors import (
    ConfirmOutsideArea,
    ExtensionUsed,
    LivenessAttemptsExhausted,
    LivenessFailed,
    NoBookedAppointment,
    NoOfferWaiting,
    OfferExpired,
)
from puerta.faces import service as faces_service
from puerta.geo.area import is_eligible
from puerta.lifecycle import AppointmentStatus, SelectionStatus
from puerta.notify import service as notify
from puerta.notify.messages import Kind
from puerta.ports import service as ports_service
from puerta.registration.models import Registration, Traveler

MAX_LIVENESS_ATTEMPTS = 5


def current_offer(session: Session, registration: Registration) -> Selection:
    selection = draw_service.open_offer(session, registration.id)
    if selection is None:
        raise NoOfferWaiting()
    return selection


def _ensure_open(session: Session, selection: Selection, settings: Settings, clock: Clock) -> None:
    """Refuse an offer past its deadline, and expire it: its seats go back to the pool.

    ``OfferExpired`` keeps its changes (the unit of work commits the release
    before the refusal reaches the person), so the message tells the truth.
    """
    if (
        selection.status == SelectionStatus.OFFERED.value
        and selection.deadline <= clock.now()
        and not has_queued_scan(session, selection.id)
    ):
        release_offer(
            session,
            selection=selection,
            status=SelectionStatus.EXPIRED,
            settings=settings,
            clock=clock,
        )
        raise OfferExpired()


def has_queued_scan(session: Session, selection_id: int) -> bool:
    """Whether a live photo of this offer waits in the liveness queue (its seats stay held)."""
    return (
        session.scalar(
            select(LivenessScan.id)
            .where(LivenessScan.selection_id == selection_id, LivenessScan.status.in_(SCAN_ACTIVE))
            .limit(1)
        )
        is not None
    )


def _ensure_confirmable(
    session: Session,
    *,
    selection: Selection,
    latitude: float,
    longitude: float,
    settings: Settings,
    clock: Clock,
) -> None:
    _ensure_open(session, selection, settings, clock)
    lifecycle.require(selection, SelectionStatus.CONFIRMED)
    if not is_eligible(latitude, longitude, settings.eligible_area_wkt):
        raise ConfirmOutsideArea(field="latitude")
    failures = session.scalar(
        select(func.count())
        .select_from(LivenessCheck)
        .where(LivenessCheck.selection_id == selection.id, LivenessCheck.passed.is_(False))
    )
    if (failures or 0) >= MAX_LIVENESS_ATTEMPTS:
        raise LivenessAttemptsExhausted(attempts=MAX_LIVENESS_ATTEMPTS)


@dataclass(frozen=True)
class KnownImages:
    """The digests a live photo must not match, read before the provider is called, so
    that the provider runs holding no connection (its ``seen_before`` asks no store)."""

    digests: frozenset[str]

    def seen_before(self, digest: str) -> bool:
        return digest in self.digests


def known_images(
    session: Session,
    *,
    selection: Selection,
    live_photo: bytes,
    latitude: float,
    longitude: float,
    settings: Settings,
    clock: Clock,
) -> KnownImages:
    """The checks that come before a liveness check, then what it needs to know.

    The provider names a photo by the SHA-256 of its bytes: the travelers'
    enrolled photos, and this image if any earlier live photo was the same.
    """
    _ensure_confirmable(
        session,
        selection=selection,
        latitude=latitude,
        longitude=longitude,
        settings=settings,
        clock=clock,
    )
    known = set(
        session.scalars(
            select(Traveler.photo_sha256).where(
                Traveler.registration_id == selection.registration_id
            )
        )
    )
    digest = hashlib.sha256(live_photo).hexdigest()
    if digest not in known and session.scalar(
        select(LivenessCheck.id).where(LivenessCheck.image_sha256 == digest).limit(1)
    ):
        known.add(digest)
    return KnownImages(frozenset(d for d in known if d))


def confirm(
    session: Session,
    *,
    selection: Selection,
    live_photo: bytes,
    latitude: float,
    longitude: float,
    provider: LivenessProvider,
    settings: Settings,
    clock: Clock,
    accuracy_m: float | None = None,
    device_id: str | None = None,
) -> Appointment:
    """Spend a liveness check only now that seats are held, then book them, in one go
    (the CLI and the demo; the web side calls the two halves with no connection held
    while the provider runs)."""
    where = {"latitude": latitude, "longitude": longitude}
    known = known_images(
        session, selection=selection, live_photo=live_photo, settings=settings, clock=clock, **where
    )
    result = provider.check(live_photo, seen_before=known.seen_before)
    return book_checked(
        session,
        selection=selection,
        result=result,
        settings=settings,
        clock=clock,
        accuracy_m=accuracy_m,
        device_id=device_id,
        live_photo=live_photo,
        **where,
    )


def book_checked(
    session: Session,
    *,
    selection: Selection,
    result: LivenessResult,
    latitude: float,
    longitude: float,
    settings: Settings,
    clock: Clock,
    accuracy_m: float | None = None,
    device_id: str | None = None,
    live_photo: bytes | None = None,
) -> Appointment:
    """Record the liveness verdict and, if it passed, book the held seats; the booked
    ``live_photo`` is kept for the officer's face comparison (``puerta.faces``, run later
    off the request path), in the same transaction, so the check exists exactly when the
    appointment does.

    The checks before the liveness check run again (the offer may have expired
    or the attempts run out while the provider worked). A failed live photo
    raises ``LivenessFailed``, which keeps its changes: the attempt is counted
    and its image remembered even though the request fails. The position's
    accuracy and the device are kept with the attempt for the trend analysis's
    location signals; they decide nothing here.
    """
    _ensure_confirmable(
        session,
        selection=selection,
        latitude=latitude,
        longitude=longitude,
        settings=settings,
        clock=clock,
    )
    now = clock.now()
    session.add(
        LivenessCheck(
            selection_id=selection.id,
            image_sha256=result.image_sha256,
            passed=result.passed,
            reason=result.reason_code,
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy_m,
            device_id=device_id,
            created_at=now,
        )
    )
    if not result.passed:
        session.flush()
        raise LivenessFailed(reason=result.reason, field="live_photo")

    port = ports_service.get_port(session, selection.port_code)
    ledger = ports_service.port_day(session, port, selection.appointment_date)
    ports_service.book_held_seats(
        session, selection.port_code, selection.appointment_date, selection.seats
    )
    session.refresh(ledger)
    lifecycle.move(selection, SelectionStatus.CONFIRMED)
    selection.decided_at = now
    appointment = Appointment(
        selection_id=selection.id,
        registration_id=selection.registration_id,
        port_code=selection.port_code,
        day=selection.appointment_date,
        slot_start=slot_for(
            ledger.booked - selection.seats, ledger.capacity, port.opens_at, port.closes_at
        ),
        seats=selection.seats,
        code=ids.random_code(10),
        status=AppointmentStatus.BOOKED.value,
        created_at=now,
    )
    session.add(appointment)
    session.flush()
    notify.supersede(
        session, selection_id=selection.id, kinds=(Kind.SELECTED, Kind.DEADLINE), clock=clock
    )
    notify.send(
        session,
        [_notice(selection, Kind.CONFIRMED, slot=appointment.slot_start, code=appointment.code)],
        settings=settings,
        clock=clock,
    )
    if live_photo is not None:
        faces_service.record_live_photo(
            session,
            appointment_id=appointment.id,
            registration_id=appointment.registration_id,
            live_photo=live_photo,
            clock=clock,
        )
    return appointment


def extend(
    session: Session, *, selection: Selection, settings: Settings, clock: Clock
) -> Selection:
    """The one extension: the deadline moves out by another window."""
    _ensure_open(session, selection, settings, clock)
    lifecycle.require(selection, SelectionStatus.CONFIRMED)  # still an open offer
    if selection.extended:
        raise ExtensionUsed()
    selection.extended = True
    selection.deadline = selection.deadline + timedelta(hours=settings.extension_hours)
    return selection


def _notice(selection: Selection, kind: Kind, **facts: Any) -> notify.Notice:
    return notify.Notice(
        registration_id=selection.registration_id,
        selection_id=selection.id,
        kind=kind,
        port_code=selection.port_code,
        day=selection.appointment_date,
        **facts,
    )


def release_offer(
    session: Session,
    *,
    selection: Selection,
    status: SelectionStatus,
    settings: Settings,
    clock: Clock,
) -> None:
    """End an offer (declined, expired, withdrawn) and give its seats back; the person is
    told (expired, or cancelled), and the offer's unsent notices are withdrawn; a live
    photo still waiting in the liveness queue goes with it (``queue.py``)."""
    lifecycle.move(selection, status)
    selection.decided_at = clock.now()
    session.execute(
        update(LivenessScan)
        .where(LivenessScan.selection_id == selection.id, LivenessScan.status.in_(SCAN_ACTIVE))
        .values(status="cancelled", outcome="cancelled", image=None, claim=None)
        .values(resolved_at=selection.decided_at)
        .execution_options(synchronize_session=False)
    )
    ports_service.release_seats(
        session, selection.port_code, selection.appointment_date, selection.seats, booked=False
    )
    notify.supersede(
        session, selection_id=selection.id, kinds=(Kind.SELECTED, Kind.DEADLINE), clock=clock
    )
    kind = Kind.EXPIRED if status == SelectionStatus.EXPIRED else Kind.CANCELLED
    notify.send(
        session,
        [_notice(selection, kind, offer_only=kind == Kind.CANCELLED)],
        settings=settings,
        clock=clock,
    )


def decline(session: Session, *, selection: Selection, settings: Settings, clock: Clock) -> None:
    release_offer(
        session,
        selection=selection,
        status=SelectionStatus.DECLINED,
        settings=settings,
        clock=clock,
    )


def cancel(
    session: Session, *, appointment: Appointment, settings: Settings, clock: Clock
) -> Appointment:
    """Cancel a booked appointment: its seats return and the person is told. Its
    unsent "confirmed" notice is withdrawn: it would announce what no longer exists."""
    lifecycle.move(appointment, AppointmentStatus.CANCELLED)
    appointment.cancelled_at = clock.now()
    ports_service.release_seats(
        session, appointment.port_code, appointment.day, appointment.seats, booked=True
    )
    if appointment.selection_id is not None:
        notify.supersede(
            session,
            selection_id=appointment.selection_id,
            kinds=(Kind.SELECTED, Kind.DEADLINE, Kind.CONFIRMED),
            clock=clock,
        )
    notify.send(
        session,
        [
            notify.Notice(
                registration_id=appointment.registration_id,
                selection_id=appointment.selection_id,
                kind=Kind.CANCELLED,
                port_code=appointment.port_code,
                day=appointment.day,
            )
        ],
        settings=settings,
        clock=clock,
    )
    return appointment


def cancel_booked_for(
    session: Session, *, registration: Registration, settings: Settings, clock: Clock
) -> None:
    for appointment in session.scalars(
        select(Appointment).where(
            Appointment.registration_id == registration.id,
            Appointment.status == AppointmentStatus.BOOKED.value,
        )
    ):
        cancel(session, appointment=appointment, settings=settings, clock=clock)


def _booked(session: Session, registration_id: str) -> Appointment | None:
    return session.scalar(
        select(Appointment).where(
            Appointment.registration_id == registration_id,
            Appointment.status == AppointmentStatus.BOOKED.value,
        )
    )


def booked_appointment(session: Session, registration: Registration) -> Appointment:
    appointment = _booked(session, registration.id)
    if appointment is None:
        raise NoBookedAppointment()
    return appointment


def has_booked(session: Session, registration_id: str) -> bool:
    """Whether the registration holds a booked appointment."""
    return _booked(session, registration_id) is not None


def latest_appointment(session: Session, registration_id: str) -> Appointment | None:
    """The registration's most recent appointment, booked or cancelled."""
    return session.scalar(
        select(Appointment)
        .where(Appointment.registration_id == registration_id)
        .order_by(Appointment.created_at.desc(), Appointment.id.desc())
        .limit(1)
    )


def expire_overdue(session: Session, *, settings: Settings, clock: Clock) -> int:
    """Expire every offer past its deadline; their seats return and each person is told.
    Returns how many.

    An offer whose live photo waits in the liveness queue is not expired: its
    deadline moves out by the wait when the scan is sent (``queue.credit_wait``).
    """
    queued = exists().where(
        LivenessScan.selection_id == Selection.id, LivenessScan.status.in_(SCAN_ACTIVE)
    )
    overdue = list(
        session.scalars(
            select(Selection).where(
                Selection.status == SelectionStatus.OFFERED.value,
                Selection.deadline <= clock.now(),
                ~queued,
            )
        )
    )
    for selection in overdue:
        release_offer(
            session,
            selection=selection,
            status=SelectionStatus.EXPIRED,
            settings=settings,
            clock=clock,
        )
    return len(overdue)


def remind_deadlines(session: Session, *, settings: Settings, clock: Clock) -> int:
    """Tell each open offer's person, once, that its deadline is near: within
    ``notify_deadline_hours`` of it. An offer made with less time than that left is not
    reminded (its "selected" notice gave the deadline minutes ago). Returns how many."""
    if settings.notify_deadline_hours == 0:
        return 0
    now = clock.now()
    lead = timedelta(hours=settings.notify_deadline_hours)
    due = [
        selection
        for selection in session.scalars(
            select(Selection)
            .where(
                Selection.status == SelectionStatus.OFFERED.value,
                Selection.deadline > now,
                Selection.deadline <= now + lead,
                Selection.id.not_in(notify.told(Kind.DEADLINE)),
            )
            .order_by(Selection.id)
        )
        if selection.deadline - lead >= selection.created_at
    ]
    notify.send(
        session,
        [_notice(s, Kind.DEADLINE, deadline=s.deadline) for s in due],
        settings=settings,
        clock=clock,
    )
    return len(due)


def qr_png(code: str) -> bytes:
    """A QR image of the confirmation code alone: no personal data in it."""
    import io

    import qrcode

    img = qrcode.make(code, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()
