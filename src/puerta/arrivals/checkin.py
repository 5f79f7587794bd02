"""Check-in at the limit line and each traveler's disposition: the officers' use cases.

Each function changes state only through ``lifecycle.move`` / ``lifecycle.correct``,
writes an ``arrival_events`` row for the history the process page shows, and an
audit event (``puerta.audit.service.record``) with the officer, the appointment's
port and the client's address. None commits: the request (or the job) owns the
transaction.

Port scope is applied twice: the routes declare it (``PortScope``, ``PortPage``),
and :func:`find` only gives an appointment of a port the user sees, at the port the
path names, so a code of another port reads as "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta import lifecycle
from puerta.accounts import service as accounts_service
from puerta.accounts.models import User
from puerta.arrivals import rules
from puerta.arrivals.models import Arrival, ArrivalEvent, TravelerDisposition
from puerta.audit import service as audit_service
from puerta.clock import Clock, FrozenClock
from puerta.confirmation.models import Appointment
from puerta.errors import (
    AppointmentCancelled,
    AppointmentCodeNotFound,
    ArrivalNotCheckedIn,
    DispositionAlreadyRecorded,
    DispositionNeedsNote,
    NoticeAddressRequired,
    OutsidePortScope,
    TravelerNotFound,
)
from puerta.ids import normalise_code
from puerta.lifecycle import AppointmentStatus, ArrivalStatus, Disposition
from puerta.ports.models import Port
from puerta.registration.models import Registration, Traveler

#: How many days back the no-show job looks: a store loaded with years of past
#: appointments (a data set) is not given a no-show row for each of them.
NO_SHOW_LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class Process:
    """Everything the process page shows of one arrival."""

    appointment: Appointment
    registration: Registration
    arrival: Arrival | None
    dispositions: dict[int, TravelerDisposition]
    history: list[ArrivalEvent]

    @property
    def status(self) -> ArrivalStatus:
        return ArrivalStatus(self.arrival.status) if self.arrival else ArrivalStatus.EXPECTED


def find(session: Session, *, user: User, port_code: str, code: str) -> Appointment:
    """The appointment with ``code`` at ``port_code``, if ``user`` sees that port.

    Another port's code, or one at another port than the path's, is "not found",
    exactly as the officers' lookup by code answers it.
    """
    appointment = session.scalar(
        select(Appointment).where(Appointment.code == normalise_code(code))
    )
    if (
        appointment is None
        or appointment.port_code != port_code.upper()
        or not accounts_service.sees_port(user, appointment.port_code)
    ):
        raise AppointmentCodeNotFound(field="code")
    return appointment


def process_of(session: Session, appointment: Appointment) -> Process:
    """The arrival, its travelers' dispositions and its history, for the process page."""
    registration = session.get(Registration, appointment.registration_id)
    assert registration is not None
    dispositions = session.scalars(
        select(TravelerDisposition).where(TravelerDisposition.appointment_id == appointment.id)
    )
    history = session.scalars(
        select(ArrivalEvent)
        .where(ArrivalEvent.appointment_id == appointment.id)
        .order_by(ArrivalEvent.at, ArrivalEvent.id)
    )
    return Process(
        appointment=appointment,
        registration=registration,
        arrival=session.get(Arrival, appointment.id),
        dispositions={d.position: d for d in dispositions},
        history=list(history),
    )


def actor_emails(session: Session, history: list[ArrivalEvent]) -> dict[int, str]:
    """Who made each change of a history, by account id (one statement)."""
    ids = {e.actor_id for e in history if e.actor_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


def _scoped(user: User, appointment: Appointment) -> None:
    if not accounts_service.sees_port(user, appointment.port_code):
        raise OutsidePortScope()


def _event(
    session: Session,
    appointment: Appointment,
    *,
    at: datetime,
    actor: User | None,
    before: str | None,
    after: str,
    position: int | None = None,
    note: str | None = None,
    reason: str | None = None,
) -> None:
    session.add(
        ArrivalEvent(
            appointment_id=appointment.id,
            position=position,
            at=at,
            actor_id=actor.id if actor else None,
            from_status=before,
            to_status=after,
            note=note,
            reason=reason,
        )
    )


def _travelers(session: Session, appointment: Appointment) -> list[Traveler]:
    registration = session.get(Registration, appointment.registration_id)
    assert registration is not None
    return list(registration.travelers)


def _disposition_rows(session: Session, appointment: Appointment) -> dict[int, TravelerDisposition]:
    """Each traveler's row, made ``pending`` for any traveler who has none yet."""
    rows = {
        d.position: d
        for d in session.scalars(
            select(TravelerDisposition).where(TravelerDisposition.appointment_id == appointment.id)
        )
    }
    for traveler in _travelers(session, appointment):
        if traveler.position not in rows:
            row = TravelerDisposition(
                appointment_id=appointment.id,
                position=traveler.position,
                status=Disposition.PENDING.value,
            )
            session.add(row)
            rows[traveler.position] = row
    return rows


def check_in(
    session: Session,
    *,
    appointment: Appointment,
    officer: User,
    clock: Clock,
    reason: str | None = None,
    ip: str | None = None,
) -> Arrival:
    """Mark a group arrived at the limit line, now; each traveler's disposition pending.

    A cancelled appointment cannot be checked in (``AppointmentCancelled``). A group
    the no-show job marked absent can be, as a correction with a reason; the
    travelers it marked no-show are pending again.
    """
    _scoped(officer, appointment)
    if appointment.status != AppointmentStatus.BOOKED.value:
        raise AppointmentCancelled()
    now = clock.now()
    arrival = session.get(Arrival, appointment.id)
    if arrival is None:
        arrival = Arrival(
            appointment_id=appointment.id, status=ArrivalStatus.EXPECTED.value, updated_at=now
        )
        session.add(arrival)
    before = arrival.status
    lifecycle.move(arrival, ArrivalStatus.ARRIVED, reason=reason)
    correcting = lifecycle.is_correction(before, ArrivalStatus.ARRIVED)
    arrival.checked_in_at = now
    arrival.checked_in_by = officer.id
    arrival.updated_at = now
    _event(
        session,
        appointment,
        at=now,
        actor=officer,
        before=before,
        after=arrival.status,
        reason=reason if correcting else None,
    )
    for row in _disposition_rows(session, appointment).values():
        if row.status == Disposition.NO_SHOW.value and row.recorded_by is None:
            lifecycle.move(row, Disposition.PENDING, reason=reason)
            row.recorded_at = None
            _event(
                session,
                appointment,
                at=now,
                actor=officer,
                before=Disposition.NO_SHOW.value,
                after=row.status,
                position=row.position,
                reason=reason,
            )
    audit_service.record(
        session,
        actor=officer,
        action="arrival.check_in",
        subject_kind="appointment",
        subject_id=appointment.code,
        port_code=appointment.port_code,
        ip=ip,
        detail={"from": before, "to": arrival.status, **({"reason": reason} if correcting else {})},
        clock=clock,
    )
    return arrival


def correct_to_no_show(
    session: Session,
    *,
    appointment: Appointment,
    reason: str | None,
    officer: User,
    clock: Clock,
    ip: str | None = None,
) -> Arrival:
    """Undo a check-in made by mistake: the group did not come. A correction, so it needs
    a reason; every traveler's disposition becomes ``no_show`` with the same reason."""
    _scoped(officer, appointment)
    arrival = session.get(Arrival, appointment.id)
    if arrival is None or arrival.status != ArrivalStatus.ARRIVED.value:
        raise ArrivalNotCheckedIn()
    now = clock.now()
    before = arrival.status
    lifecycle.correct(arrival, ArrivalStatus.NO_SHOW, reason=reason)
    arrival.no_show_at = now
    arrival.updated_at = now
    _event(
        session,
        appointment,
        at=now,
        actor=officer,
        before=before,
        after=arrival.status,
        reason=reason,
    )
    for row in _disposition_rows(session, appointment).values():
        if row.status == Disposition.NO_SHOW.value:
            continue
        was = row.status
        lifecycle.move(row, Disposition.NO_SHOW, reason=reason)
        _apply(session, row, appointment=appointment, note=None, notice=None)
        row.recorded_at = now
        row.recorded_by = officer.id
        _event(
            session,
            appointment,
            at=now,
            actor=officer,
            before=was,
            after=row.status,
            position=row.position,
            reason=reason if was != Disposition.PENDING.value else None,
        )
    audit_service.record(
        session,
        actor=officer,
        action="disposition.correct",
        subject_kind="appointment",
        subject_id=appointment.code,
        port_code=appointment.port_code,
        ip=ip,
        detail={"from": before, "to": arrival.status, "reason": reason},
        clock=clock,
    )
    return arrival


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _checked(
    disposition: Disposition, note: str | None, notice: rules.NoticeAddress | None
) -> rules.NoticeAddress | None:
    """The rules every recorded disposition keeps, checked before anything changes: a
    note for ``other``; the notice's address for ``processed_nta`` (and for no other)."""
    if disposition in lifecycle.NOTE_REQUIRED and note is None:
        raise DispositionNeedsNote()
    if disposition is not Disposition.PROCESSED_NTA:
        return None
    if notice is None or not (
        notice.line1.strip() and notice.city.strip() and notice.state.strip()
    ):
        raise NoticeAddressRequired()
    return rules.NoticeAddress(
        notice.line1.strip(),
        _clean(notice.line2),
        notice.city.strip(),
        notice.state.strip().upper()[:2],
        _clean(notice.zip_code),
    )


def _apply(
    session: Session,
    row: TravelerDisposition,
    *,
    appointment: Appointment,
    note: str | None,
    notice: rules.NoticeAddress | None,
) -> None:
    """Keep the note and the notice's address, and whether it is the registered one."""
    row.note = note
    row.notice_address_line1 = notice.line1 if notice else None
    row.notice_address_line2 = notice.line2 if notice else None
    row.notice_city = notice.city if notice else None
    row.notice_state = notice.state if notice else None
    row.notice_zip_code = notice.zip_code if notice else None
    row.notice_address_key = rules.notice_key(notice) if notice else None
    row.address_matched = None
    if notice is not None:
        traveler = next(t for t in _travelers(session, appointment) if t.position == row.position)
        row.address_matched = rules.same_address(notice, registered_address(traveler))


def registered_address(traveler: Traveler) -> rules.NoticeAddress:
    """The advance address the traveler registered: what the notice form starts from."""
    return rules.NoticeAddress(
        traveler.address_line1,
        traveler.address_line2,
        traveler.city,
        traveler.state,
        traveler.zip_code,
    )


def _row_for(session: Session, appointment: Appointment, position: int) -> TravelerDisposition:
    arrival = session.get(Arrival, appointment.id)
    if arrival is None or arrival.status != ArrivalStatus.ARRIVED.value:
        raise ArrivalNotCheckedIn()
    row = _disposition_rows(session, appointment).get(position)
    if row is None:
        raise TravelerNotFound(position=position, field="position")
    return row


def record_disposition(
    session: Session,
    *,
    appointment: Appointment,
    position: int,
    disposition: Disposition,
    officer: User,
    clock: Clock,
    note: str | None = None,
    notice: rules.NoticeAddress | None = None,
    ip: str | None = None,
) -> TravelerDisposition:
    """Record what became of one traveler of a checked-in group (once: a change
    afterwards is :func:`correct_disposition`)."""
    _scoped(officer, appointment)
    row = _row_for(session, appointment, position)
    if row.status != Disposition.PENDING.value:
        raise DispositionAlreadyRecorded()
    return _change(
        session,
        row,
        appointment=appointment,
        disposition=disposition,
        officer=officer,
        clock=clock,
        note=_clean(note),
        notice=notice,
        reason=None,
        ip=ip,
    )


def correct_disposition(
    session: Session,
    *,
    appointment: Appointment,
    position: int,
    disposition: Disposition,
    reason: str | None,
    officer: User,
    clock: Clock,
    note: str | None = None,
    notice: rules.NoticeAddress | None = None,
    ip: str | None = None,
) -> TravelerDisposition:
    """Change a recorded disposition, with the reason (``CorrectionNeedsReason``
    without one). The same disposition again with another note or notice address
    is a correction too."""
    _scoped(officer, appointment)
    row = _row_for(session, appointment, position)
    return _change(
        session,
        row,
        appointment=appointment,
        disposition=disposition,
        officer=officer,
        clock=clock,
        note=_clean(note),
        notice=notice,
        reason=_clean(reason) or "",
        ip=ip,
    )


def _change(
    session: Session,
    row: TravelerDisposition,
    *,
    appointment: Appointment,
    disposition: Disposition,
    officer: User,
    clock: Clock,
    note: str | None,
    notice: rules.NoticeAddress | None,
    reason: str | None,
    ip: str | None,
) -> TravelerDisposition:
    """Record (``reason`` None) or correct (``reason`` given, maybe blank) one row."""
    before = row.status
    correcting = reason is not None
    notice = _checked(disposition, note, notice)
    if not correcting:
        lifecycle.move(row, disposition)
    elif before == disposition.value:  # the same disposition, its note or address amended
        lifecycle.amend(row, Disposition, reason=reason)
    else:
        lifecycle.correct(row, disposition, reason=reason)
    _apply(session, row, appointment=appointment, note=note, notice=notice)
    now = clock.now()
    row.recorded_at = now
    row.recorded_by = officer.id
    _event(
        session,
        appointment,
        at=now,
        actor=officer,
        before=before,
        after=row.status,
        position=row.position,
        note=note,
        reason=reason if correcting else None,
    )
    detail: dict[str, object] = {"position": row.position, "from": before, "to": row.status}
    if row.address_matched is not None:
        detail["address_matched"] = row.address_matched
    if correcting:
        detail["reason"] = reason
    audit_service.record(
        session,
        actor=officer,
        action="disposition.correct" if correcting else "disposition.record",
        subject_kind="appointment",
        subject_id=appointment.code,
        port_code=appointment.port_code,
        ip=ip,
        detail=detail,
        clock=clock,
    )
    return row


def mark_no_shows(
    session: Session,
    *,
    now: datetime,
    day: date | None = None,
    port_code: str | None = None,
) -> int:
    """Mark every group still expected after its port's appointment hours a no-show,
    with each traveler's disposition ``no_show``; how many groups were marked.

    Idempotent: a group already marked (or arrived, or corrected) is left alone, so
    the scheduler runs it every pass. ``day`` limits it to one day (if that day has
    closed at the port); without it the last :data:`NO_SHOW_LOOKBACK_DAYS` are looked
    at. Each port's day ends at its ``closes_at`` in its own time zone.
    """
    ports = session.scalars(select(Port).where(Port.is_active.is_(True)).order_by(Port.code))
    marked = 0
    for port in ports:
        if port_code is not None and port.code != port_code.upper():
            continue
        last = rules.last_closed_day(now, port.closes_at, port.timezone)
        first = last - timedelta(days=NO_SHOW_LOOKBACK_DAYS - 1)
        if day is not None:
            if day > last:
                continue
            first = last = day
        marked += _mark_port(session, port.code, first, last, now)
    return marked


def _mark_port(session: Session, port_code: str, first: date, last: date, now: datetime) -> int:
    due = session.execute(
        select(Appointment, Arrival)
        .outerjoin(Arrival, Arrival.appointment_id == Appointment.id)
        .where(
            Appointment.port_code == port_code,
            Appointment.day >= first,
            Appointment.day <= last,
            Appointment.status == AppointmentStatus.BOOKED.value,
            (Arrival.appointment_id.is_(None)) | (Arrival.status == ArrivalStatus.EXPECTED.value),
        )
        .order_by(Appointment.id)
    ).all()
    per_day: dict[date, int] = {}
    for appointment, arrival in due:
        per_day[appointment.day] = per_day.get(appointment.day, 0) + 1
        if arrival is None:
            arrival = Arrival(
                appointment_id=appointment.id, status=ArrivalStatus.EXPECTED.value, updated_at=now
            )
            session.add(arrival)
        before = arrival.status
        lifecycle.move(arrival, ArrivalStatus.NO_SHOW)
        arrival.no_show_at = now
        arrival.updated_at = now
        _event(session, appointment, at=now, actor=None, before=before, after=arrival.status)
        for row in _disposition_rows(session, appointment).values():
            if row.status != Disposition.PENDING.value:
                continue
            lifecycle.move(row, Disposition.NO_SHOW)
            row.recorded_at = now
            _event(
                session,
                appointment,
                at=now,
                actor=None,
                before=Disposition.PENDING.value,
                after=row.status,
                position=row.position,
            )
    for day, groups in sorted(per_day.items()):  # the system's own row: no actor
        audit_service.record(
            session,
            actor=None,
            action="disposition.record",
            subject_kind="port_day",
            subject_id=f"{port_code}:{day.isoformat()}",
            port_code=port_code,
            detail={"to": ArrivalStatus.NO_SHOW.value, "groups": groups, "automatic": True},
            clock=FrozenClock(now),
        )
    return len(due)
