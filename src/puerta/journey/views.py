"""The journey's endpoints: where a registration stands, and the steps that span packages.

Same paths as the registration resource they act on (``/api/v1/registrations``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.db import Database, UnitOfWork
from puerta.errors import (
    AlreadyBooked,
    AlreadySelected,
    AskedElsewhere,
    InvalidTransition,
    PhotoEmpty,
    PhotoNotJpegOrPng,
    PhotosMissing,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoTooSmall,
    PhotoUnreadable,
    PortNotFound,
    RegistrationCannotRequest,
    RegistrationNotEditable,
    RegistrationNotFound,
    RequestOutsideArea,
    TravelerNotFound,
    TravelersLockedByAppointment,
    UploadTooLarge,
    WindowClosed,
)
from puerta.geo.area import is_eligible
from puerta.journey import editing, hot_path, requesting
from puerta.journey.status import RegistrationStatus, status_of
from puerta.journey.withdraw import withdraw as withdraw_registration
from puerta.registration import service as registration_service
from puerta.registration.deps import PhotoStoreDep
from puerta.registration.models import Registration
from puerta.registration.photos import CheckedPhoto, PhotoStore, check_photo
from puerta.registration.schemas import RegistrationOut, TravelerIn
from puerta.registration.views import registration_out
from puerta.requests import service as requests_service
from puerta.requests.schemas import RequestIn, RequestOut
from puerta.requests.service import window_from
from puerta.web.deps import (
    APPLICANTS,
    Applicant,
    ClockDep,
    Credential,
    DatabaseDep,
    DbSession,
    HotApplicant,
    RequestWork,
    SettingsDep,
    StatementsDep,
    admit,
    authenticate,
    client_ip,
)
from puerta.web.language import say
from puerta.web.openapi import raises
from puerta.web.uploads import read_upload

router = APIRouter(prefix="/api/v1/registrations", tags=["registrations"])
requests_router = APIRouter(prefix="/api/v1/registrations", tags=["requests"])


@router.put("/{registration_id}/travelers/{position}")
@raises(
    RegistrationNotFound, TravelerNotFound, RegistrationNotEditable, TravelersLockedByAppointment
)
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
@raises(
    RegistrationNotFound,
    TravelerNotFound,
    RegistrationNotEditable,
    TravelersLockedByAppointment,
    UploadTooLarge,
    PhotoTooLarge,
    PhotoEmpty,
    PhotoNotJpegOrPng,
    PhotoTooManyPixels,
    PhotoUnreadable,
    PhotoTooSmall,
)
def put_photo(
    registration_id: str,
    position: int,
    photo: UploadFile,
    user: Applicant,
    work: RequestWork,
    store: PhotoStoreDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RegistrationOut:
    """Upload a JPEG or PNG portrait (multipart field ``photo``)."""
    data = read_upload(photo, settings.photo_max_bytes, field="photo")
    registration, _ = set_photo_released(
        work,
        registration_id=registration_id,
        owner=user,
        position=position,
        data=data,
        store=store,
        settings=settings,
        clock=clock,
    )
    return registration_out(registration)


def set_photo_released(
    work: UnitOfWork,
    *,
    registration_id: str,
    owner: User,
    position: int,
    data: bytes,
    store: PhotoStore,
    settings: Settings,
    clock: Clock,
) -> tuple[Registration, CheckedPhoto]:
    """A traveler's photo set, for the API and the photo page alike.

    Pillow decodes holding no connection (nor, on SQLite, the write lock): the unit of
    work lets its connection go, and the next query takes one again."""
    db = work.session
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=owner)
    editing.ensure_photo_allowed(db, registration=registration, position=position)
    work.release()
    checked = check_photo(data, max_bytes=settings.photo_max_bytes)
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=owner)
    editing.set_photo(
        db, registration=registration, position=position, checked=checked, store=store, clock=clock
    )
    return registration, checked


@router.post("/{registration_id}/withdraw")
@raises(RegistrationNotFound, InvalidTransition)
def withdraw(
    registration_id: str, user: Applicant, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> RegistrationOut:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return registration_out(
        withdraw_registration(db, registration=registration, settings=settings, clock=clock)
    )


@router.get("/{registration_id}/status", response_model=dict[str, Any])
@raises(RegistrationNotFound)
async def get_status(
    registration_id: str,
    request: Request,
    who: HotApplicant,
    statements: StatementsDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> JSONResponse:
    """Where the registration stands: ``stage`` (a stable code), ``message`` and the facts."""
    now = clock.now()
    current = await hot_path.status(
        statements, token_hash=who.token_hash, registration_id=registration_id, now=now
    )
    if current is None:  # the ORM path says why (401, 403, 404), or answers after a race
        current = await run_in_threadpool(_status_slowly, database, who, registration_id, clock)
    # Plain JSON values already: sent as they are, without FastAPI's encoding pass.
    return JSONResponse(
        {
            "stage": current.stage.value,
            "code": current.message.code,
            "message": say(request, current.message),
            **current.details,
        }
    )


def _status_slowly(
    database: Database, who: Credential, registration_id: str, clock: Clock
) -> RegistrationStatus:
    with database.read_only() as db:
        user = admit(authenticate(db, who, "GET", clock).user, APPLICANTS)
        registration = registration_service.get_owned(
            db, registration_id=registration_id, owner=user
        )
        return status_of(db, registration, clock)


@requests_router.post(
    "/{registration_id}/requests",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": RequestOut, "description": "Asked again: the same request."}},
)
@raises(
    RegistrationNotFound,
    RegistrationCannotRequest,
    WindowClosed,
    PhotosMissing,
    RequestOutsideArea,
    AskedElsewhere,
    AlreadySelected,
    AlreadyBooked,
    PortNotFound,
)
async def request_appointment(
    registration_id: str,
    body: RequestIn,
    request: Request,
    response: Response,
    who: HotApplicant,
    statements: StatementsDep,
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RequestOut:
    """Join the pool of the current window. Asking again returns the same request (200)."""
    now = clock.now()
    pool_date = window_from(settings).pool_date(now)
    ip = client_ip(request)
    if pool_date is not None and is_eligible(
        body.latitude, body.longitude, settings.eligible_area_wkt
    ):
        made = await hot_path.ask(
            statements,
            token_hash=who.token_hash,
            csrf=who.csrf_for(request.method),
            registration_id=registration_id,
            pool_date=pool_date,
            port_code=body.port_code,
            latitude=body.latitude,
            longitude=body.longitude,
            device_id=body.device_id,
            accuracy_m=body.accuracy_m,
            ip=ip,
            now=now,
        )
        if made is not None:
            row, created = made
            if created or row["port_code"] == body.port_code.upper():
                if not created:
                    response.status_code = status.HTTP_200_OK
                return RequestOut.model_validate(row)
    # Refused, already in the pool, or in it for another port: the use case says which
    # (or returns the request, 200).
    out, created = await run_in_threadpool(
        _ask_slowly, database, who, registration_id, body, settings, clock, ip
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


def _ask_slowly(
    database: Database,
    who: Credential,
    registration_id: str,
    body: RequestIn,
    settings: Settings,
    clock: Clock,
    ip: str | None,
) -> tuple[RequestOut, bool]:
    with database.unit_of_work() as uow:
        db = uow.session
        user = admit(authenticate(db, who, "POST", clock).user, APPLICANTS)
        registration = registration_service.get_owned(
            db, registration_id=registration_id, owner=user
        )
        before = {r.id for r in requests_service.requests_for(db, registration)}
        made = requesting.request_appointment(
            db, registration=registration, data=body, settings=settings, clock=clock, ip=ip
        )
        db.flush()
        out = RequestOut.model_validate(made)
        uow.commit()
    return out, made.id not in before
