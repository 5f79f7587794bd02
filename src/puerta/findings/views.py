"""The analysts' API over findings, and each port's briefing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from puerta.findings import briefing as briefing_mod
from puerta.findings import service
from puerta.findings.models import Finding
from puerta.lifecycle import FindingStatus
from puerta.web.deps import Analyst, ClockDep, DbSession, PortScope, ReadSession

router = APIRouter(prefix="/api/v1", tags=["findings"])


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    kind: str
    score: float
    explanation: str
    evidence: dict[str, Any]
    normalised_keys: list[str]
    flagged: bool
    status: str
    notes: str | None
    first_seen_at: datetime
    last_seen_at: datetime


class FindingDetail(FindingOut):
    travelers: list[dict[str, Any]]
    history: list[dict[str, Any]]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: FindingStatus
    note: str | None = Field(default=None, max_length=4000)


@router.get("/findings")
def list_findings(
    user: Analyst,
    db: ReadSession,
    kind: str | None = None,
    status: FindingStatus | None = None,
    min_score: float | None = None,
    registration_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[FindingOut]:
    """Findings across all ports, highest score first (analysts and admins)."""
    found = service.search(
        db,
        kind=kind,
        status=status.value if status else None,
        min_score=min_score,
        registration_id=registration_id,
        limit=limit,
        offset=offset,
    )
    return [FindingOut.model_validate(f) for f in found]


def _detail(db: Session, finding: Finding) -> FindingDetail:
    return FindingDetail(
        **FindingOut.model_validate(finding).model_dump(),
        travelers=[
            {"registration_id": t.registration_id, "position": t.position}
            for t in service.travelers_of(db, finding)
        ],
        history=[
            {
                "at": e.at.isoformat(),
                "actor_id": e.actor_id,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
            }
            for e in service.history(db, finding)
        ],
    )


@router.get("/findings/{finding_id}")
def get_finding(finding_id: int, user: Analyst, db: ReadSession) -> FindingDetail:
    return _detail(db, service.get(db, finding_id))


@router.post("/findings/{finding_id}/review")
def review(
    finding_id: int, body: ReviewIn, user: Analyst, db: DbSession, clock: ClockDep
) -> FindingDetail:
    """Move a finding to under_review, confirmed or dismissed (with a note); reopen to appeal."""
    finding = service.get(db, finding_id)
    service.review(
        db, finding=finding, reviewer=user, status=body.status, note=body.note, clock=clock
    )
    db.flush()
    return _detail(db, finding)


@router.get("/ports/{port_code}/briefing", response_model=None)
def port_briefing(
    port: PortScope,
    db: ReadSession,
    start: date,
    format: Annotated[str, Query(pattern="^(json|markdown)$")] = "json",
) -> Response | dict[str, Any]:
    """The next 72 hours of arrivals at a port with the findings that touch them."""
    built = briefing_mod.build(db, port_code=port.code, start=start)
    if format == "markdown":
        return Response(briefing_mod.to_markdown(built), media_type="text/markdown")
    return built.to_json()
