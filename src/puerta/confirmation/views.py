"""Confirming a selection with a live photo, and managing the appointment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response, UploadFile

from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import service
from puerta.confirmation.deps import LivenessDep
from puerta.confirmation.liveness import LivenessProvider
from puerta.confirmation.models import Appointment
from puerta.confirmation.schemas import AppointmentOut, SelectionOut
from puerta.db import UnitOfWork
from puerta.registration import service as registration_service
from puerta.web.deps import (
    Applicant,
    ClockDep,
    DbSession,
    ReadSession,
    RequestWork,
    SettingsDep,
)
from puerta.web.uploads import read_upload

router = APIRouter(prefix="/api/v1/registrations", tags=["confirmation"])


@router.get("/{registration_id}/selection")
def get_selection(registration_id: str, user: Applicant, db: ReadSession) -> SelectionOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return SelectionOut.model_validate(service.current_offer(db, registration))


@router.post("/{registration_id}/selection/confirm")
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
) -> AppointmentOut:
    """Send a live photo (multipart ``live_photo``) and the device's coordinates."""
    data = read_upload(live_photo, settings.photo_max_bytes, field="live_photo")
    appointment = confirm_live(
        work,
        registration_id=registration_id,
        owner=user,
        live_photo=data,
        latitude=latitude,
        longitude=longitude,
        settings=settings,
        clock=clock,
        liveness=liveness,
    )
    return AppointmentOut.model_validate(appointment)


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
) -> Appointment:
    """Confirm with a live photo, for the API and the page alike: the checks, then the
    provider (a vendor's call, or Pillow) holding no connection nor lock, then the booking
    re-checked on fresh rows."""
    db, where = work.session, {"latitude": latitude, "longitude": longitude}
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=owner)
    selection = service.current_offer(db, registration)
    known = service.known_images(
        db, selection=selection, live_photo=live_photo, settings=settings, clock=clock, **where
    )
    work.release()
    result = liveness.check(live_photo, seen_before=known.seen_before)
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=owner)
    selection = service.current_offer(db, registration)
    return service.book_checked(
        db, selection=selection, result=result, settings=settings, clock=clock, **where
    )


@router.post("/{registration_id}/selection/extend")
def extend(
    registration_id: str, user: Applicant, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> SelectionOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    selection = service.current_offer(db, registration)
    return SelectionOut.model_validate(
        service.extend(db, selection=selection, settings=settings, clock=clock)
    )


@router.post("/{registration_id}/selection/decline", status_code=204)
def decline(
    registration_id: str, user: Applicant, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> Response:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    selection = service.current_offer(db, registration)
    service.decline(db, selection=selection, settings=settings, clock=clock)
    return Response(status_code=204)


@router.get("/{registration_id}/appointment")
def get_appointment(registration_id: str, user: Applicant, db: ReadSession) -> AppointmentOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return AppointmentOut.model_validate(service.booked_appointment(db, registration))


@router.get("/{registration_id}/appointment/qr.png", response_class=Response)
def appointment_qr(registration_id: str, user: Applicant, db: ReadSession) -> Response:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    appointment = service.booked_appointment(db, registration)
    return Response(service.qr_png(appointment.code), media_type="image/png")


@router.post("/{registration_id}/appointment/cancel")
def cancel(
    registration_id: str, user: Applicant, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> AppointmentOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    appointment = service.booked_appointment(db, registration)
    cancelled = service.cancel(db, appointment=appointment, settings=settings, clock=clock)
    return AppointmentOut.model_validate(cancelled)
