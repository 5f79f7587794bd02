"""Each port's arrivals for its officers, and lookup by confirmation code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from puerta.arrivals import service
from puerta.confirmation.schemas import AppointmentOut
from puerta.errors import (
    AppointmentCodeNotFound,
)
from puerta.faces.schemas import LiveFaceCheckOut, live_check_out
from puerta.findings.views import explanation_fields
from puerta.vetting import results as vetting_results
from puerta.web.deps import Officer, PortScope, ReadSession
from puerta.web.language import say
from puerta.web.openapi import raises

router = APIRouter(prefix="/api/v1", tags=["ports"])


class TravelerBrief(BaseModel):
    position: int
    given_names: str
    family_names: str
    date_of_birth: date
    has_photo: bool


class FindingBrief(BaseModel):
    id: int
    kind: str
    score: float
    status: str
    explanation: str
    """Rendered in the reader's language from ``explanation_codes`` and their parameters."""
    explanation_codes: list[str]
    explanation_params: list[dict[str, Any]]
    seen_at: list[str] = Field(default_factory=list)
    """The other ports this finding's registrations asked for or were booked at."""


class VettingOut(BaseModel):
    """One traveler checked against the watch list before arrival (``puerta.vetting``)."""

    position: int
    result: str | None
    """``no_match``, ``possible_match``, ``match``; null: not checked yet."""
    result_name: str
    explanation: str
    """Rendered in the reader's language from ``explanation_codes`` and their parameters."""
    explanation_codes: list[str]
    explanation_params: list[dict[str, Any]]
    evidence: dict[str, Any]
    """The source and, per record hit, its id, result and how each field agreed."""
    list_version: str | None
    checked_at: datetime | None


class ArrivalOut(AppointmentOut):
    travelers: list[TravelerBrief]
    findings: list[FindingBrief] = Field(default_factory=list)
    face_check: LiveFaceCheckOut | None = None
    """The live photo compared with the registered photos (null for an appointment not
    confirmed here): evidence for the officer, never a refusal."""
    vetting: list[VettingOut] = Field(default_factory=list)
    """Each traveler's pre-arrival vetting: guidance for the interview, never a refusal."""


def arrival_out(request: Request, loaded: service.LoadedArrival) -> ArrivalOut:
    """One arrival as the officer sees it, from values already read (nothing is read
    here): the JSON views and the console's pages shape arrivals through this."""
    base = AppointmentOut.model_validate(loaded.appointment)
    travelers = [
        TravelerBrief(
            position=t.position,
            given_names=t.given_names,
            family_names=t.family_names,
            date_of_birth=t.date_of_birth,
            has_photo=t.photo_sha256 is not None,
        )
        for t in loaded.registration.travelers
    ]
    briefs = [
        FindingBrief(
            id=f.id,
            kind=f.kind,
            score=f.score,
            status=f.status,
            seen_at=loaded.seen_at.get(f.id, []),
            **explanation_fields(request, f),
        )
        for f in loaded.findings
    ]
    entries = vetting_results.per_traveler([t.position for t in travelers], loaded.vetting)
    return ArrivalOut(
        **base.model_dump(),
        travelers=travelers,
        findings=briefs,
        face_check=live_check_out(loaded.face_check, lambda m, p: say(request, m, p)),
        vetting=[VettingOut(**e.explained(lambda m, p: say(request, m, p))) for e in entries],
    )


@router.get("/ports/{port_code}/appointments")
def port_appointments(
    request: Request, port: PortScope, date: date, db: ReadSession
) -> list[ArrivalOut]:
    """The arrivals booked at a port on a date (officers: their own port only), each with
    the open findings that touch it, from every port, its live photo compared with
    the registered photos (``face_check``) and each traveler's vetting (``vetting``)."""
    return [
        arrival_out(request, a)
        for a in service.arrivals_for_port(db, port_code=port.code, day=date)
    ]


@router.get("/appointments/{code}")
@raises(AppointmentCodeNotFound)
def by_code(request: Request, code: str, user: Officer, db: ReadSession) -> ArrivalOut:
    return arrival_out(request, service.arrival_by_code(db, user=user, code=code))
