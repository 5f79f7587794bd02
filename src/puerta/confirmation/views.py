"""Confirming a selection with a live photo, and managing the appointment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import queue, service
from puerta.confirmation.deps import LivenessDep
from puerta.confirmation.liveness import LivenessProvider, LivenessResult, Saturated
from puerta.confirmation.models import Appointment
from puerta.confirmation.schemas import AppointmentOut, ScanOut, SelectionOut
from puerta.confirmation.vendor import VendorLivenessProvider
from puerta.db import UnitOfWork
from puerta.draw.models import Selection
from puerta.errors import (
    ConfirmOutsideArea,
    ExtensionUsed,
    InvalidTransition,
    LivenessAttemptsExhausted,
    LivenessFailed,
    NoBookedAppointment,
    NoOfferWaiting,
    NoScanWaiting,
    OfferExpired,
    RegistrationNotFound,
    SeatsJustTaken,
    SeatsNotReleased,
    UploadTooLarge,
)
from puerta.registration import service as registration_service
from puerta.registration.models import Registration
from puerta.web.deps import (
    Applicant,
    ClockDep,
    DbSession,
    ReadSession,
    RequestWork,
    SettingsDep,
)
from puerta.web.openapi import raises
from puerta.web.uploads import read_upload

router = APIRouter(prefix="/api/v1/registrations", tags=["confirmation"])


@router.get("/{registration_id}/selection")
@raises(RegistrationNotFound, NoOfferWaiting)
def get_selection(registration_id: str, user: Applicant, db: ReadSession) -> SelectionOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return SelectionOut.model_validate(service.current_offer(db, registration))


PENDING = {
    202: {
        "model": ScanOut,
        "description": "The live photo waits in the liveness queue (the vendor is at its "
        "contract's rate or quota): the place, the wait and the moved deadline. Poll "
        "`GET .../selection/scan`.",
    }
}


@router.post(
    "/{registration_id}/selection/confirm", response_model=AppointmentOut, responses=PENDING
)
@raises(
    RegistrationNotFound,
    NoOfferWaiting,
    OfferExpired,
    ConfirmOutsideArea,
    LivenessAttemptsExhausted,
    LivenessFailed,
    SeatsJustTaken,
    UploadTooLarge,
)
def confirm(
    registration_id: str,
    live_photo: UploadFile,
    latitude: Annotated[float, Form(ge=-90, le=90)],
    longitude: Annotated[float, Form(ge=-180, le=180)],
    user: Applicant,
    work: RequestWork,
    _db: DbSession,  # declares the write session; confirm_live works in ``work`` itself
    settings: SettingsDep,
    clock: ClockDep,
    liveness: LivenessDep,
    accuracy_m: Annotated[float | None, Form(ge=0, le=1_000_000)] = None,
    device_id: Annotated[str | None, Form(max_length=128)] = None,
) -> Any:
    """Send a live photo (multipart ``live_photo``) and the device's coordinates (with,
    optionally, their accuracy in metres and the device's id, kept as evidence only).

    200 with the appointment, or 202 with the live photo's place in the liveness queue.
    """
    data = read_upload(live_photo, settings.photo_max_bytes, field="live_photo")
    outcome = confirm_live(
        work,
        registration_id=registration_id,
        owner=user,
        live_photo=data,
        latitude=latitude,
        longitude=longitude,
        settings=settings,
        clock=clock,
        liveness=liveness,
        accuracy_m=accuracy_m,
        device_id=device_id,
    )
    if isinstance(outcome, queue.Pending):
        return pending_response(outcome)
    return AppointmentOut.model_validate(outcome)


def pending_response(pending: queue.Pending) -> JSONResponse:
    body = ScanOut.of(pending)
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=202,
        headers={"Retry-After": str(body.refresh_seconds)},
    )


@router.get("/{registration_id}/selection/scan", response_model=AppointmentOut, responses=PENDING)
@raises(
    RegistrationNotFound,
    NoScanWaiting,
    NoOfferWaiting,
    OfferExpired,
    LivenessAttemptsExhausted,
    LivenessFailed,
    SeatsJustTaken,
)
def get_scan(
    registration_id: str,
    user: Applicant,
    db: ReadSession,
    settings: SettingsDep,
    clock: ClockDep,
    liveness: LivenessDep,
) -> Any:
    """The queued live photo: 202 with its place while it waits, 200 with the appointment
    once booked, the refusal's problem if it was not accepted."""
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    state = scan_state(db, registration, liveness=liveness, settings=settings, clock=clock)
    if isinstance(state, queue.Pending):
        return pending_response(state)
    return AppointmentOut.model_validate(state)


def scan_state(
    db: Session,
    registration: Registration,
    *,
    liveness: LivenessProvider,
    settings: Settings,
    clock: Clock,
) -> queue.Pending | Appointment:
    """Where the registration's latest queued live photo stands; a refusal is raised."""
    scan = queue.latest_scan(db, registration.id)
    if scan is None or scan.status == queue.CANCELLED:
        raise NoScanWaiting()
    if scan.status in queue.ACTIVE:
        selection = db.get(Selection, scan.selection_id)
        assert selection is not None
        snapshot = queue.snapshot_for(liveness, db, settings)
        return queue.pending_of(db, scan, selection, snapshot, clock.now())
    appointment = queue.appointment_of(db, scan) if scan.outcome == queue.BOOKED else None
    if appointment is None:
        raise queue.refusal_of(db, scan)
    return appointment


def confirm_live(
    work: UnitOfWork,
    *,
    registration_id: str,
    owner: User,
    live_photo: bytes,
    latitude: float,
    longitude: float,
    settings: Settings,
    clock: Clock,
    liveness: LivenessProvider,
    accuracy_m: float | None = None,
    device_id: str | None = None,
) -> Appointment | queue.Pending:
    """Confirm with a live photo, for the API and the page alike: the checks, then the
    provider (a vendor's call, or Pillow) holding no connection nor lock, then the booking
    re-checked on fresh rows.

    With the vendor, the scan is sent at once only when nobody waits ahead and the
    contract has a slot free now; otherwise (or if that one try fails) the photo joins
    the liveness queue and the person gets their place: a saturated vendor is a wait,
    never an error. A live photo already waiting is not queued twice.
    """
    db, where = work.session, {"latitude": latitude, "longitude": longitude}
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=owner)
    selection = service.current_offer(db, registration)
    vendor = liveness if isinstance(liveness, VendorLivenessProvider) else None
    waiting = queue.active_scan(db, selection.id) if vendor is not None else None
    if vendor is not None and waiting is not None:
        return queue.pending_of(db, waiting, selection, vendor.budget.snapshot(db), clock.now())
    known = service.known_images(
        db, selection=selection, live_photo=live_photo, settings=settings, clock=clock, **where
    )
    ahead = queue.waiting_count(db) if vendor is not None else 0
    work.release()
    result: LivenessResult | None
    if vendor is not None and ahead:  # behind the queue: only the checks that cost nothing
        result = vendor.precheck(live_photo, seen_before=known.seen_before)
    else:
        try:
            result = liveness.check(live_photo, seen_before=known.seen_before, wait=False)
        except Saturated:
            result = None
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=owner)
    selection = service.current_offer(db, registration)
    if result is None:
        assert vendor is not None
        service.known_images(
            db, selection=selection, live_photo=live_photo, settings=settings, clock=clock, **where
        )
        return queue.enqueue(
            db,
            selection=selection,
            live_photo=live_photo,
            snapshot=vendor.budget.snapshot(db),
            clock=clock,
            **where,
        )
    return service.book_checked(
        db,
        selection=selection,
        result=result,
        settings=settings,
        clock=clock,
        accuracy_m=accuracy_m,
        device_id=device_id,
        live_photo=live_photo,
        **where,
    )


@router.post("/{registration_id}/selection/extend")
@raises(RegistrationNotFound, NoOfferWaiting, OfferExpired, ExtensionUsed)
def extend(
    registration_id: str, user: Applicant, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> SelectionOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    selection = service.current_offer(db, registration)
    return SelectionOut.model_validate(
        service.extend(db, selection=selection, settings=settings, clock=clock)
    )


@router.post("/{registration_id}/selection/decline", status_code=204)
@raises(RegistrationNotFound, NoOfferWaiting, OfferExpired, InvalidTransition)
def decline(
    registration_id: str, user: Applicant, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> Response:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    selection = service.current_offer(db, registration)
    service.decline(db, selection=selection, settings=settings, clock=clock)
    return Response(status_code=204)


@router.get("/{registration_id}/appointment")
@raises(RegistrationNotFound, NoBookedAppointment)
def get_appointment(registration_id: str, user: Applicant, db: ReadSession) -> AppointmentOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return AppointmentOut.model_validate(service.booked_appointment(db, registration))


@router.get(
    "/{registration_id}/appointment/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {"schema": {"type": "string"}}}}},
)
@raises(RegistrationNotFound, NoBookedAppointment)
def appointment_qr(registration_id: str, user: Applicant, db: ReadSession) -> Response:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    appointment = service.booked_appointment(db, registration)
    return Response(service.qr_png(appointment.code), media_type="image/png")


@router.post("/{registration_id}/appointment/cancel")
@raises(RegistrationNotFound, NoBookedAppointment, InvalidTransition, SeatsNotReleased)
def cancel(
    registration_id: str, user: Applicant, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> AppointmentOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    appointment = service.booked_appointment(db, registration)
    cancelled = service.cancel(db, appointment=appointment, settings=settings, clock=clock)
    return AppointmentOut.model_validate(cancelled)
