"""Registration endpoints: the owner's registrations, travelers, photos, status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, UploadFile, status

from puerta.registration import service
from puerta.registration.deps import PhotoStoreDep
from puerta.registration.models import Registration
from puerta.registration.schemas import RegistrationIn, RegistrationOut, TravelerIn, TravelerOut
from puerta.registration.status import status_of
from puerta.web.deps import Applicant, ClockDep, DbSession, ReadSession, SettingsDep, client_ip
from puerta.web.language import say
from puerta.web.uploads import read_upload

router = APIRouter(prefix="/api/v1/registrations", tags=["registrations"])


def registration_out(registration: Registration) -> RegistrationOut:
    return RegistrationOut(
        id=registration.id,
        status=registration.status,
        created_at=registration.created_at,
        travelers=[
            TravelerOut.model_validate(
                {c: getattr(t, c) for c in TravelerOut.model_fields if c != "has_photo"}
                | {"has_photo": t.photo_sha256 is not None}
            )
            for t in registration.travelers
        ],
        complete=service.is_complete(registration),
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    body: RegistrationIn,
    request: Request,
    user: Applicant,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> RegistrationOut:
    """Register a group that travels together; add each traveler's photo next."""
    registration = service.create(
        db, owner=user, data=body, settings=settings, clock=clock, ip=client_ip(request)
    )
    return registration_out(registration)


@router.get("")
def list_mine(user: Applicant, db: ReadSession) -> list[RegistrationOut]:
    return [registration_out(r) for r in service.list_owned(db, owner=user)]


@router.get("/{registration_id}")
def get(registration_id: str, user: Applicant, db: ReadSession) -> RegistrationOut:
    return registration_out(service.get_owned(db, registration_id=registration_id, owner=user))


@router.put("/{registration_id}/travelers/{position}")
def update_traveler(
    registration_id: str,
    position: int,
    body: TravelerIn,
    user: Applicant,
    db: DbSession,
    clock: ClockDep,
) -> RegistrationOut:
    registration = service.get_owned(db, registration_id=registration_id, owner=user)
    service.update_traveler(
        db, registration=registration, position=position, data=body, clock=clock
    )
    return registration_out(registration)


@router.put("/{registration_id}/travelers/{position}/photo")
def put_photo(
    registration_id: str,
    position: int,
    photo: UploadFile,
    user: Applicant,
    db: DbSession,
    store: PhotoStoreDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RegistrationOut:
    """Upload a JPEG or PNG portrait (multipart field ``photo``)."""
    data = read_upload(photo, settings.photo_max_bytes, field="photo")
    registration = service.get_owned(db, registration_id=registration_id, owner=user)
    service.set_photo(
        db,
        registration=registration,
        position=position,
        data=data,
        store=store,
        settings=settings,
        clock=clock,
    )
    return registration_out(registration)


@router.post("/{registration_id}/withdraw")
def withdraw(
    registration_id: str, user: Applicant, db: DbSession, clock: ClockDep
) -> RegistrationOut:
    registration = service.get_owned(db, registration_id=registration_id, owner=user)
    return registration_out(service.withdraw(db, registration=registration, clock=clock))


@router.get("/{registration_id}/status")
def get_status(
    registration_id: str, request: Request, user: Applicant, db: ReadSession, clock: ClockDep
) -> dict[str, Any]:
    """Where the registration stands: ``stage`` (a stable code), ``message`` and the facts."""
    registration = service.get_owned(db, registration_id=registration_id, owner=user)
    current = status_of(db, registration, clock)
    return {
        "stage": current.stage.value,
        "code": current.message.code,
        "message": say(request, current.message),
        **current.details,
    }
