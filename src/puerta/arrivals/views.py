"""Each port's arrivals for its officers, and lookup by confirmation code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from puerta.arrivals import service
from puerta.confirmation.schemas import AppointmentOut
from puerta.errors import (
    AppointmentCodeNotFound,
)
from puerta.faces import service as faces_service
from puerta.faces.models import LiveFaceCheck
from puerta.faces.schemas import LiveFaceCheckOut, live_check_out
from puerta.findings import service as findings_service
from puerta.findings.models import Finding
from puerta.findings.views import explanation_fields
from puerta.registration.models import Registration
from puerta.vetting import results as vetting_results
from puerta.vetting.models import VettingResult
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


def arrival_out(
    request: Request,
    db: Session,
    appointment: object,
    findings: list[Finding] | None = None,
    face_check: LiveFaceCheck | None = None,
    registration: Registration | None = None,
    vetting: list[VettingResult] | None = None,
    *,
    preloaded: bool = False,
) -> ArrivalOut:
    """One arrival as the officer sees it.

    ``preloaded``: the caller loaded the registration, findings, face check and
    vetting results for a whole list (None meaning "there is none"), so nothing
    is read here.
    """
    base = AppointmentOut.model_validate(appointment)
    registration = registration or db.get(Registration, base.registration_id)
    assert registration is not None
    travelers = [
        TravelerBrief(
            position=t.position,
            given_names=t.given_names,
            family_names=t.family_names,
            date_of_birth=t.date_of_birth,
            has_photo=t.photo_sha256 is not None,
        )
        for t in registration.travelers
    ]
    if findings is None and not preloaded:
        findings = findings_service.for_registrations(db, [base.registration_id]).get(
            base.registration_id, []
        )
    briefs = [
        FindingBrief(
            id=f.id, kind=f.kind, score=f.score, status=f.status, **explanation_fields(request, f)
        )
        for f in findings or []
    ]
    if face_check is None and not preloaded:
        face_check = faces_service.checks_for_appointments(db, [base.id]).get(base.id)
    if vetting is None and not preloaded:
        vetting = vetting_results.for_appointments(db, [base.id]).get(base.id)
    entries = vetting_results.per_traveler([t.position for t in travelers], vetting or [])
    return ArrivalOut(
        **base.model_dump(),
        travelers=travelers,
        findings=briefs,
        face_check=live_check_out(face_check, lambda m, p: say(request, m, p)),
        vetting=[VettingOut(**e.explained(lambda m, p: say(request, m, p))) for e in entries],
    )


@router.get("/ports/{port_code}/appointments")
def port_appointments(
    request: Request, port: PortScope, date: date, db: ReadSession
) -> list[ArrivalOut]:
    """The arrivals booked at a port on a date (officers: their own port only), each with
    the open findings that touch it, from every port, its live photo compared with
    the registered photos (``face_check``) and each traveler's vetting (``vetting``)."""
    found = service.list_for_port(db, port_code=port.code, day=date)
    ids = [a.registration_id for a in found]
    registrations = service.registrations_with_travelers(db, ids)
    touching = findings_service.for_registrations(db, ids)
    faces = faces_service.checks_for_appointments(db, [a.id for a in found])
    vetted = vetting_results.for_appointments(db, [a.id for a in found])
    return [
        arrival_out(
            request,
            db,
            a,
            touching.get(a.registration_id, []),
            faces.get(a.id),
            registrations[a.registration_id],
            vetted.get(a.id, []),
            preloaded=True,
        )
        for a in found
    ]


@router.get("/appointments/{code}")
@raises(AppointmentCodeNotFound)
def by_code(request: Request, code: str, user: Officer, db: ReadSession) -> ArrivalOut:
    return arrival_out(request, db, service.find_by_code(db, user=user, code=code))
