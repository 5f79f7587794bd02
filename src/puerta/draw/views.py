"""Public draw artefacts and verification (no sign-in), the review list, the applicant's entry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from puerta.clock import Clock
from puerta.config import Settings
from puerta.db import Database
from puerta.draw import entry as entry_service
from puerta.draw import publication, service
from puerta.errors import (
    DrawNotFound,
    DrawNotRunYet,
    DrawUnpublished,
    NoEntryInPool,
    NothingPublished,
    RegistrationNotFound,
)
from puerta.registration import service as registration_service
from puerta.web.deps import (
    APPLICANTS,
    Analyst,
    ClockDep,
    Credential,
    DatabaseDep,
    HotApplicant,
    Public,
    ReadSession,
    SettingsDep,
    StatementsDep,
    admit,
    authenticate,
)
from puerta.web.language import say
from puerta.web.openapi import raises

router = APIRouter(prefix="/api/v1/draws", tags=["draw"])
entry_router = APIRouter(prefix="/api/v1/registrations", tags=["draw"])


class DrawOut(BaseModel):
    pool_date: date
    appointment_date: date
    algorithm: str
    seed_hex: str
    params: dict[str, Any]
    pool_size: int
    seats_offered: int
    created_at: datetime


class VerificationOut(BaseModel):
    pool_date: date
    ok: bool
    checks: dict[str, bool]
    problems: list[str]
    warnings: list[str]


class ReviewOut(BaseModel):
    request_id: int
    registration_id: str
    into_request_id: int
    into_registration_id: str
    role: str
    travelers: int
    seats: int


@router.get("/{pool_date}", dependencies=[Public])
@raises(DrawNotFound)
def get_draw(pool_date: date, db: ReadSession) -> DrawOut:
    draw = service.get_draw(db, pool_date)
    return DrawOut(
        pool_date=draw.pool_date,
        appointment_date=draw.appointment_date,
        algorithm=draw.algorithm,
        seed_hex=draw.seed_hex,
        params=draw.params,
        pool_size=draw.pool_size,
        seats_offered=draw.seats_offered,
        created_at=draw.created_at,
    )


@router.get("/{pool_date}/published", dependencies=[Public])
@raises(NothingPublished, DrawUnpublished)
def get_published(pool_date: date, db: ReadSession) -> dict[str, Any]:
    """Commitment, then pool records and root, then seed and result: no personal data."""
    return publication.artefacts(db, pool_date)


@router.get("/{pool_date}/verify", dependencies=[Public])
@raises(NothingPublished, DrawUnpublished, DrawNotRunYet)
def get_verify(pool_date: date, db: ReadSession) -> VerificationOut:
    """The server recomputing its own draw from what it published (anyone can redo it)."""
    report = publication.verify_day(db, pool_date)
    return VerificationOut(
        pool_date=pool_date,
        ok=report.ok,
        checks=report.checks,
        problems=report.problems,
        warnings=report.warnings,
    )


@router.get("/{pool_date}/review")
def get_review(pool_date: date, db: ReadSession, _user: Analyst) -> list[ReviewOut]:
    """Requests merged into or linked with older ones that day: analysts and admins."""
    return [
        ReviewOut(
            request_id=r.request_id,
            registration_id=r.registration_id,
            into_request_id=r.into_request_id,
            into_registration_id=r.into_registration_id,
            role=r.role,
            travelers=r.travelers,
            seats=r.seats,
        )
        for r in publication.reviews(db, pool_date)
    ]


@entry_router.get("/{registration_id}/entry", response_model=dict[str, Any])
@raises(RegistrationNotFound, NoEntryInPool)
async def get_entry(
    registration_id: str,
    request: Request,
    who: HotApplicant,
    statements: StatementsDep,
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
    pool_date: date | None = None,
) -> JSONResponse:
    """The owner's entrant id, inclusion proof, standing, and after the draw the result."""
    out = None
    if pool_date is None:  # the noon rush asks for the latest: one statement
        out = await entry_service.hot_entry(
            statements,
            token_hash=who.token_hash,
            registration_id=registration_id,
            settings=settings,
            now=clock.now(),
        )
    if out is None:  # an earlier day, or the ORM path says why not (401, 403, 404)
        out = await run_in_threadpool(
            _entry_slowly, database, who, registration_id, settings, clock, pool_date
        )
    for key, (message, params) in out.pop("messages", {}).items():
        out[key] = say(request, message, params)
    return JSONResponse(out)  # plain JSON values already: no encoding pass


def _entry_slowly(
    database: Database,
    who: Credential,
    registration_id: str,
    settings: Settings,
    clock: Clock,
    pool_date: date | None,
) -> dict[str, Any]:
    with database.read_only() as db:
        user = admit(authenticate(db, who, "GET", clock).user, APPLICANTS)
        registration = registration_service.get_owned(
            db, registration_id=registration_id, owner=user
        )
        return entry_service.entry(
            db, registration=registration, settings=settings, pool_date=pool_date
        )
