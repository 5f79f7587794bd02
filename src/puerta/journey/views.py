"""The journey's endpoints: where a registration stands, and the steps that span packages.

Same paths as the registration resource they act on (``/api/v1/registrations``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, UploadFile, status

from puerta.journey import editing, requesting
from puerta.journey.status import status_of
from puerta.journey.withdraw import withdraw as withdraw_registration
from puerta.registration import service as registration_service
from puerta.registration.deps import PhotoStoreDep
from puerta.registration.photos import check_photo
from puerta.registration.schemas import RegistrationOut, TravelerIn
from puerta.registration.views import registration_out
from puerta.requests import service as requests_service
from puerta.requests.schemas import RequestIn, RequestOut
from puerta.web.deps import (
    Applicant,
    ClockDep,
    DbSession,
    ReadSession,
    RequestWork,
    SettingsDep,
    client_ip,
)
from puerta.web.language import say
from puerta.web.uploads import read_upload

router = APIRouter(prefix="/api/v1/registrations", tags=["registrations"])
requests_router = APIRouter(prefix="/api/v1/registrations", tags=["requests"])


@router.put("/{registration_id}/travelers/{position}")
def update_traveler(
    registration_id: str,
    position: int,
    body: TravelerIn,
    user: Applicant,
    db: DbSession,
    clock: ClockDep,
) -> RegistrationOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    editing.update_traveler(
        db, registration=registration, position=position, data=body, clock=clock
    )
    return registration_out(registration)


@router.put("/{registration_id}/travelers/{position}/photo")
def put_photo(
    registration_id: str,
    position: int,
    photo: UploadFile,
    user: Applicant,
    work: RequestWork,
    db: DbSession,
    store: PhotoStoreDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RegistrationOut:
    """Upload a JPEG or PNG portrait (multipart field ``photo``)."""
    data = read_upload(photo, settings.photo_max_bytes, field="photo")
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    editing.ensure_photo_allowed(db, registration=registration, position=position)
    # Pillow decodes holding no connection (nor, on SQLite, the write lock): the
    # unit of work lets its connection go, and the next query takes one again.
    work.release()
    checked = check_photo(data, max_bytes=settings.photo_max_bytes)
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    editing.set_photo(
        db, registration=registration, position=position, checked=checked, store=store, clock=clock
    )
    return registration_out(registration)


@router.post("/{registration_id}/withdraw")
def withdraw(
    registration_id: str, user: Applicant, db: DbSession, clock: ClockDep
) -> RegistrationOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return registration_out(withdraw_registration(db, registration=registration, clock=clock))


@router.get("/{registration_id}/status")
def get_status(
    registration_id: str, request: Request, user: Applicant, db: ReadSession, clock: ClockDep
) -> dict[str, Any]:
    """Where the registration stands: ``stage`` (a stable code), ``message`` and the facts."""
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    current = status_of(db, registration, clock)
    return {
        "stage": current.stage.value,
        "code": current.message.code,
        "message": say(request, current.message),
        **current.details,
    }


@requests_router.post("/{registration_id}/requests", status_code=status.HTTP_201_CREATED)
def request_appointment(
    registration_id: str,
    body: RequestIn,
    request: Request,
    response: Response,
    user: Applicant,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> RequestOut:
    """Join the pool of the current window. Asking again returns the same request (200)."""
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    before = {r.id for r in requests_service.requests_for(db, registration)}
    made = requesting.request_appointment(
        db,
        registration=registration,
        data=body,
        settings=settings,
        clock=clock,
        ip=client_ip(request),
    )
    db.flush()
    if made.id in before:
        response.status_code = status.HTTP_200_OK
    return RequestOut.model_validate(made)
