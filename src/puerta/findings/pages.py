"""The analysts' workbench pages: the findings queue, a finding, its review, the appeals.

Analysts and admins only (``AnalystPage``): an officer reads findings through their
port's arrivals. Each page parses, calls one read or one use case, and renders:

- ``/staff/findings``: the queue, filtered (kind, port, status, lowest score, days
  seen), highest score first, 50 a page; bad filters show the form again (400).
- ``/staff/findings/{id}``: the plain explanation, the evidence drawn by kind
  (``findings.figures``), the travelers it touches (each linked to their arrival at
  their port), the audit trail. Reading it is audited (``finding.read``).
- ``/staff/findings/{id}/review?action=``: confirm, dismiss (both after a fresh
  sign-in: ``require_fresh`` on the form and on its post) or reopen a decided
  finding (the appeal), each with a reason; audited (``finding.review``).
- ``/staff/appeals``: the findings reopened and waiting, oldest first.

A finding guides an interview and never decides: the pages say so where a
decision is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puerta.errors import InvalidTransition, ReviewActionUnknown, ReviewNeedsNote, TextTooLong
from puerta.findings import evidence, explain, figures, service, workbench
from puerta.findings.value import KINDS
from puerta.findings.workbench import QueueFilter
from puerta.i18n import M, Message
from puerta.i18n.message import REGISTRY
from puerta.lifecycle import FindingStatus
from puerta.ports.catalogue import PORTS
from puerta.web import forms
from puerta.web.deps import ClockDep, DbSession, ReadSession, SettingsDep, refuse
from puerta.web.language import locale_of, say
from puerta.web.pages import Formats, page
from puerta.web.params import RowId
from puerta.web.staff import AnalystPage, StaffReader, audit, require_fresh

router = APIRouter(include_in_schema=False)

BAD_SCORE = M("staff.findings.bad_score", "Write the lowest score as a number, for example 2.5.")
BAD_DAY = M(
    "staff.findings.bad_day", "Write the day as year, month and day, for example 2026-03-18."
)
BAD_CHOICE = M("staff.findings.bad_choice", "Choose one of the options in the list.")
BAD_RANGE = M("staff.findings.bad_range", "The first day must not be after the last day.")
REVIEWED: dict[str, Message] = {
    "confirm": M(
        "staff.findings.reviewed.confirm", "Finding confirmed. The reason is in the trail."
    ),
    "dismiss": M(
        "staff.findings.reviewed.dismiss", "Finding dismissed. The reason is in the trail."
    ),
    "reopen": M(
        "staff.findings.reviewed.reopen",
        "Finding reopened. It waits in the appeals queue for a new decision.",
    ),
}
ACTION_STATUS = {
    "confirm": FindingStatus.CONFIRMED,
    "dismiss": FindingStatus.DISMISSED,
    "reopen": FindingStatus.UNDER_REVIEW,
}
MAX_NOTE = 4000
FRESH_ACTIONS = frozenset({"confirm", "dismiss"})
"""Sensitive: the reader proves who they are again first (``require_fresh``)."""
FILTERS = ("kind", "port", "status", "min_score", "seen_from", "seen_to")
TRAIL_ACTIONS: dict[str, Message] = {
    "created": M("staff.findings.trail.created", "Found by the analysis"),
    "updated": M("staff.findings.trail.updated", "Updated by a new analysis run"),
    "reviewed": M("staff.findings.trail.reviewed", "Reviewed"),
    service.APPEALED: M("staff.findings.trail.appealed", "Reopened (appeal)"),
}
ANALYSIS = M("staff.findings.trail.analysis", "the analysis")


def _say(request: Request) -> figures.Say:
    def said(message: Message, **params: Any) -> str:
        return say(request, message, params)

    return said


def _formats(request: Request) -> Formats:
    return Formats(locale_of(request), request.app.state.settings.timezone)


def _explanation(request: Request, finding: Any) -> str:
    return " ".join(say(request, m, p) for m, p in explain.parts(finding.explanation or []))


def _status_name(request: Request, status: str) -> str:
    """A status as the reader's words (``lifecycle.STATE_NAMES``)."""
    message = REGISTRY.get(f"term.FindingStatus.{status}")
    return say(request, message) if message else status


# --- the queue ------------------------------------------------------------------------------


@dataclass
class Typed:
    """The filters as typed (strings), to fill the form in again and keep in the links."""

    kind: str = ""
    port: str = ""
    status: str = ""
    min_score: str = ""
    seen_from: str = ""
    seen_to: str = ""

    def query(self, **extra: Any) -> str:
        values = {k: getattr(self, k) for k in FILTERS if getattr(self, k)}
        return urlencode(values | {k: v for k, v in extra.items() if v})


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def parse_filters(request: Request, typed: Typed) -> tuple[QueueFilter | None, forms.Errors]:
    """The typed filters as a ``QueueFilter``, or the reasons why not, by field."""
    errors = forms.Errors()
    words = _say(request)
    if typed.kind and typed.kind not in KINDS:
        errors.fields["kind"] = words(BAD_CHOICE)
    if typed.port and typed.port.upper() not in {p.code for p in PORTS}:
        errors.fields["port"] = words(BAD_CHOICE)
    if typed.status and typed.status not in {s.value for s in FindingStatus}:
        errors.fields["status"] = words(BAD_CHOICE)
    score: float | None = None
    if typed.min_score.strip():
        try:
            score = float(typed.min_score.strip().replace(",", "."))
        except ValueError:
            errors.fields["min_score"] = words(BAD_SCORE)
    days: dict[str, date | None] = {}
    for name in ("seen_from", "seen_to"):
        try:
            days[name] = _day(getattr(typed, name).strip())
        except ValueError:
            errors.fields[name] = words(BAD_DAY)
    first, last = days.get("seen_from"), days.get("seen_to")
    if first and last and first > last:
        errors.fields["seen_to"] = words(BAD_RANGE)
    if errors:
        return None, errors
    return (
        QueueFilter(
            kind=typed.kind or None,
            port=typed.port.upper() or None,
            status=FindingStatus(typed.status) if typed.status else None,
            min_score=score,
            seen_from=first,
            seen_to=last,
        ),
        errors,
    )


def _choices(request: Request) -> dict[str, Any]:
    words = _say(request)
    return {
        "kinds": sorted(((k, figures.kind_name(words, k)) for k in KINDS), key=lambda c: c[1]),
        "ports": [(p.code, f"{p.code} · {p.name}") for p in PORTS],
        "statuses": [(s.value, _status_name(request, s.value)) for s in FindingStatus],
    }


@router.get("/staff/findings", response_class=HTMLResponse)
def queue_page(
    request: Request,
    reader: AnalystPage,
    db: ReadSession,
    kind: str = "",
    port: str = "",
    status: str = "",
    min_score: str = "",
    seen_from: str = "",
    seen_to: str = "",
    page_number: Annotated[str, Query(alias="page")] = "1",
) -> HTMLResponse:
    typed = Typed(kind, port, status, min_score, seen_from, seen_to)
    filters, errors = parse_filters(request, typed)
    try:
        number = max(1, int(page_number))
    except ValueError:
        number = 1
    found = None
    if filters is not None:
        tz = request.app.state.settings.timezone
        found = workbench.queue(db, filters, page=number, tz=tz)
    words = _say(request)
    rows = [
        {
            "finding": r.finding,
            "kind": figures.kind_name(words, r.finding.kind),
            "status": _status_name(request, r.finding.status),
            "explanation": _explanation(request, r.finding),
            "ports": r.ports,
            "travelers": r.travelers,
        }
        for r in (found.rows if found else [])
    ]
    return page(
        request,
        "staff/findings/queue.html",
        {
            "reader": reader,
            "typed": typed,
            "errors": errors,
            "found": found,
            "rows": rows,
            "previous": typed.query(page=found.page - 1) if found and found.has_previous else None,
            "next": typed.query(page=found.page + 1) if found and found.has_next else None,
            **_choices(request),
        },
        status=400 if errors else 200,
    )


# --- a finding ------------------------------------------------------------------------------


def _trail(request: Request, db: Any, finding: Any) -> list[dict[str, Any]]:
    events = service.history(db, finding)
    who = service.actors(db, [e.actor_id for e in events if e.actor_id is not None])
    return [
        {
            "at": e.at,
            "action": say(request, TRAIL_ACTIONS[e.action])
            if e.action in TRAIL_ACTIONS
            else e.action,
            "by": who.get(e.actor_id, "") if e.actor_id is not None else say(request, ANALYSIS),
            "from_status": _status_name(request, e.from_status) if e.from_status else "",
            "to_status": _status_name(request, e.to_status) if e.to_status else "",
            "note": e.note or "",
        }
        for e in events
    ]


def _actions(status: str) -> list[str]:
    if status in service.DECIDED:
        return ["reopen"]
    return ["confirm", "dismiss"]


@router.get("/staff/findings/{finding_id}", response_class=HTMLResponse)
def finding_page(
    request: Request,
    finding_id: RowId,
    reader: AnalystPage,
    db: ReadSession,
    clock: ClockDep,
    reviewed: str = "",
) -> HTMLResponse:
    finding = service.get(db, finding_id)
    travelers, total = evidence.travelers(db, finding)
    shown = page(
        request,
        "staff/findings/detail.html",
        {
            "reader": reader,
            "finding": finding,
            "kind": figures.kind_name(_say(request), finding.kind),
            "status": _status_name(request, finding.status),
            "explanation": _explanation(request, finding),
            "figures": figures.figures(db, finding, say=_say(request), fmt=_formats(request)),
            "travelers": travelers,
            "travelers_total": total,
            "trail": _trail(request, db, finding),
            "actions": _actions(finding.status),
            "reviewed": say(request, REVIEWED[reviewed]) if reviewed in REVIEWED else None,
        },
    )
    audit(
        request, reader, "finding.read", "finding", finding.id, clock=clock,
        detail={"kind": finding.kind, "travelers": total},
    )  # fmt: skip
    return shown


# --- review ---------------------------------------------------------------------------------


def _review_form(
    request: Request,
    reader: StaffReader,
    finding: Any,
    action: str,
    *,
    note: str = "",
    errors: forms.Errors | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "staff/findings/review.html",
        {
            "reader": reader,
            "finding": finding,
            "kind": figures.kind_name(_say(request), finding.kind),
            "status": _status_name(request, finding.status),
            "explanation": _explanation(request, finding),
            "action": action,
            "note": note,
            "errors": errors or forms.Errors(),
        },
        status=status,
    )


def _action(action: str) -> str:
    if action not in ACTION_STATUS:
        raise ReviewActionUnknown(field="action")
    return action


@router.get("/staff/findings/{finding_id}/review", response_class=HTMLResponse)
def review_form(
    request: Request,
    finding_id: RowId,
    reader: AnalystPage,
    db: ReadSession,
    clock: ClockDep,
    settings: SettingsDep,
    action: str = "",
) -> HTMLResponse:
    chosen = _action(action)
    if chosen in FRESH_ACTIONS:
        require_fresh(reader, clock=clock, settings=settings)
    return _review_form(request, reader, service.get(db, finding_id), chosen)


@router.post("/staff/findings/{finding_id}/review", response_class=HTMLResponse)
def review(
    request: Request,
    finding_id: RowId,
    reader: AnalystPage,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    chosen = _action(action)
    if chosen in FRESH_ACTIONS:
        require_fresh(reader, clock=clock, settings=settings)
    finding = service.get(db, finding_id)
    if not forms.token_ok(request, csrf_token, reader.token):
        refuse(request)
        return _review_form(
            request, reader, finding, chosen, note=note, errors=forms.expired(request), status=400
        )
    before = finding.status
    if len(note) > MAX_NOTE:
        refuse(request)
        long = TextTooLong(max_length=MAX_NOTE)
        errors = forms.Errors(fields={"note": say(request, long.message, long.params)})
        return _review_form(request, reader, finding, chosen, note=note, errors=errors, status=400)
    try:
        service.review(
            db, finding=finding, reviewer=reader.user, status=ACTION_STATUS[chosen],
            note=note, clock=clock,
        )  # fmt: skip
    except (ReviewNeedsNote, InvalidTransition) as exc:
        errors = forms.domain_errors(request, exc)
        db.refresh(finding)
        # A missing or too long reason is the form's to fix (400); a finding decided
        # meanwhile (another analyst, an old tab) cannot move so: 409, and the page says why.
        code = 409 if isinstance(exc, InvalidTransition) else 400
        return _review_form(request, reader, finding, chosen, note=note, errors=errors, status=code)
    audit(
        db, reader, "finding.review", "finding", finding.id, clock=clock,
        detail={"action": chosen, "from": before, "to": finding.status, "kind": finding.kind},
    )  # fmt: skip
    return RedirectResponse(
        f"/staff/findings/{finding.id}?reviewed={chosen}#trail", status_code=303
    )


# --- appeals --------------------------------------------------------------------------------


@router.get("/staff/appeals", response_class=HTMLResponse)
def appeals_page(request: Request, reader: AnalystPage, db: ReadSession) -> HTMLResponse:
    words = _say(request)
    waiting = [
        {
            "appeal": a,
            "kind": figures.kind_name(words, a.finding.kind),
            "decided": _status_name(request, a.decided) if a.decided else "",
        }
        for a in workbench.appeals(db)
    ]
    return page(request, "staff/findings/appeals.html", {"reader": reader, "waiting": waiting})
