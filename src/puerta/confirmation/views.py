"""Confirming a selection with a live photo, and managing the appointment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response, UploadFile

from puerta.confirmation import service
from puerta.confirmation.deps import LivenessDep
from puerta.confirmation.schemas import AppointmentOut, SelectionOut
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
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    liveness: LivenessDep,
) -> AppointmentOut:
    """Send a live photo (multipart ``live_photo``) and the device's coordinates."""
    data = read_upload(live_photo, settings.photo_max_bytes, field="live_photo")
    where = {"latitude": latitude, "longitude": longitude}
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    selection = service.current_offer(db, registration)
    known = service.known_images(
        db, selection=selection, live_photo=data, settings=settings, clock=clock, **where
    )
    # The provider (a vendor's call, or Pillow) runs holding no connection nor lock.
    work.release()
    result = liveness.check(data, seen_before=known.seen_before)
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    selection = service.current_offer(db, registration)
    appointment = service.book_checked(
        db, selection=selection, result=result, settings=settings, clock=clock, **where
    )
    return AppointmentOut.model_validate(appointment)


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
def decline(registration_id: str, user: Applicant, db: DbSession, clock: ClockDep) -> Response:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    service.decline(db, selection=service.current_offer(db, registration), clock=clock)
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
def cancel(registration_id: str, user: Applicant, db: DbSession, clock: ClockDep) -> AppointmentOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    appointment = service.booked_appointment(db, registration)
    return AppointmentOut.model_validate(service.cancel(db, appointment=appointment, clock=clock))
