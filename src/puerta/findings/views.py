"""The analysts' API over findings, and each port's briefing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from puerta.errors import (
    FindingNotFound,
    InvalidTransition,
    ReviewNeedsNote,
)
from puerta.findings import briefing as briefing_mod
from puerta.findings import explain, service
from puerta.findings.models import Finding
from puerta.lifecycle import FindingStatus
from puerta.web.deps import Analyst, ClockDep, DbSession, PortScope, ReadSession
from puerta.web.language import locale_of, say
from puerta.web.openapi import raises
from puerta.web.params import Offset, RowId, ServiceDay

router = APIRouter(prefix="/api/v1", tags=["findings"])


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    kind: str
    score: float
    explanation: str
    """Rendered in the reader's language from ``explanation_codes`` and their parameters."""
    explanation_codes: list[str]
    explanation_params: list[dict[str, Any]]
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


def explanation_fields(request: Request, finding: Finding) -> dict[str, Any]:
    """The stored sentences, rendered for the reader, beside their codes and parameters."""
    stored = finding.explanation or []
    return {
        "explanation": " ".join(say(request, m, p) for m, p in explain.parts(stored)),
        "explanation_codes": explain.codes(stored),
        "explanation_params": explain.params_of(stored),
    }


def finding_out(request: Request, finding: Finding) -> FindingOut:
    rendered = explanation_fields(request, finding)
    stored = {n: getattr(finding, n) for n in FindingOut.model_fields if n not in rendered}
    return FindingOut.model_validate(stored | rendered)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: FindingStatus
    note: str | None = Field(default=None, max_length=4000)


@router.get("/findings")
def list_findings(
    request: Request,
    _user: Analyst,
    db: ReadSession,
    kind: str | None = None,
    status: FindingStatus | None = None,
    min_score: float | None = None,
    registration_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
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
    return [finding_out(request, f) for f in found]


def _detail(request: Request, db: Session, finding: Finding) -> FindingDetail:
    return FindingDetail(
        **finding_out(request, finding).model_dump(),
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
@raises(FindingNotFound)
def get_finding(
    request: Request, finding_id: RowId, _user: Analyst, db: ReadSession
) -> FindingDetail:
    return _detail(request, db, service.get(db, finding_id))


@router.post("/findings/{finding_id}/review")
@raises(FindingNotFound, ReviewNeedsNote, InvalidTransition)
def review(
    request: Request,
    finding_id: RowId,
    body: ReviewIn,
    user: Analyst,
    db: DbSession,
    clock: ClockDep,
) -> FindingDetail:
    """Move a finding to under_review, confirmed or dismissed (with a note); reopen to appeal."""
    finding = service.get(db, finding_id)
    service.review(
        db, finding=finding, reviewer=user, status=body.status, note=body.note, clock=clock
    )
    db.flush()
    return _detail(request, db, finding)


@router.get(
    "/ports/{port_code}/briefing",
    response_model=None,
    responses={
        200: {
            "description": "JSON, or Markdown with `format=markdown`.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}},
            },
        }
    },
)
def port_briefing(
    request: Request,
    port: PortScope,
    db: ReadSession,
    start: Annotated[ServiceDay, Query()],
    format: Annotated[str, Query(pattern="^(json|markdown)$")] = "json",
) -> Response | dict[str, Any]:
    """The next 72 hours of arrivals at a port with the findings that touch them."""
    built = briefing_mod.build(db, port_code=port.code, start=start)
    locale, tz = locale_of(request), request.app.state.settings.timezone
    if format == "markdown":
        text = briefing_mod.to_markdown(built, locale=locale, tz=tz)
        return Response(text, media_type="text/markdown")
    return built.to_json(locale=locale, tz=tz)
