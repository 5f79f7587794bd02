"""Registration endpoints: creating and reading the owner's registrations.

Editing travelers and photos (locked by a booked appointment), withdrawing and
the status span later steps: they are journey endpoints (``puerta.journey.views``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from puerta.errors import (
    EmailNotVerified,
    RegistrationNotFound,
    RegistrationsCapped,
    TooManyTravelers,
)
from puerta.limits import caps
from puerta.limits.deps import LimitsDep
from puerta.pow import service as pow_service
from puerta.pow.views import ProofHeader
from puerta.registration import service
from puerta.registration.models import Registration
from puerta.registration.schemas import RegistrationIn, RegistrationOut, TravelerOut
from puerta.web.deps import Applicant, ClockDep, DbSession, ReadSession, SettingsDep, client_ip
from puerta.web.openapi import raises

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
@raises(EmailNotVerified, TooManyTravelers, RegistrationsCapped)
def create(
    body: RegistrationIn,
    request: Request,
    user: Applicant,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    limits: LimitsDep,
    x_altcha: ProofHeader = None,
) -> RegistrationOut:
    """Register a group that travels together; add each traveler's photo next.

    Needs a solved proof of work (`GET /api/v1/challenge`) in `X-Altcha`. Capped per
    device (``device_id``) and per client address: over a cap, ``429`` with
    ``Retry-After`` (``limit.registrations``) and nothing written."""
    pow_service.require(db, x_altcha, settings=settings, clock=clock)
    ip = client_ip(request)
    caps.enforce(
        limits,
        db,
        caps.REGISTRATION,
        settings=settings,
        now=clock.now(),
        ip=ip,
        device=body.device_id,
    )
    registration = service.create(db, owner=user, data=body, settings=settings, clock=clock, ip=ip)
    return registration_out(registration)


@router.get("")
def list_mine(user: Applicant, db: ReadSession) -> list[RegistrationOut]:
    return [registration_out(r) for r in service.list_owned(db, owner=user)]


@router.get("/{registration_id}")
@raises(RegistrationNotFound)
def get(registration_id: str, user: Applicant, db: ReadSession) -> RegistrationOut:
    return registration_out(service.get_owned(db, registration_id=registration_id, owner=user))
