"""The audit trail's page for admins: search, page through, download as CSV.

Who may read it: admins only (``AdminPage``): the trail says which officer looked at
which traveler, which is itself sensitive. Every search (the page and its CSV) is
recorded as ``audit.search`` with its filters, so reading the trail leaves a trace too.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from puerta.audit import service as audit_service
from puerta.db import UnitOfWork
from puerta.web import forms
from puerta.web.deps import ClockDep, ReadSession, RequestWork
from puerta.web.pages import page
from puerta.web.staff import AdminPage, StaffReader, audit

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
NO_STORE = {"Cache-Control": "no-store"}


class AuditFilters(BaseModel):
    """The search form, as typed (empty fields are no filter)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    actor_email: str | None = Field(default=None, max_length=254)
    action: str | None = Field(default=None, max_length=48)
    subject_kind: str | None = Field(default=None, max_length=32)
    subject_id: str | None = Field(default=None, max_length=80)
    port_code: str | None = Field(default=None, max_length=8)
    since: date | None = None
    until: date | None = None
    page: int = Field(default=1, ge=1, le=100_000)

    def search(self) -> dict[str, Any]:
        """The filters ``audit_service.search`` and ``count`` take."""
        return self.model_dump(exclude={"page"}, exclude_none=True)


def _typed(request: Request) -> dict[str, str]:
    names = AuditFilters.model_fields
    return {k: v for k, v in request.query_params.items() if k in names and v.strip()}


def _parsed(request: Request) -> tuple[AuditFilters | None, forms.Errors, dict[str, str]]:
    typed = _typed(request)
    filters, errors = forms.parse(request, AuditFilters, typed)
    return filters, errors, typed


def _recorded(
    request: Request,
    uow: UnitOfWork,
    reader: StaffReader,
    filters: AuditFilters,
    clock: Any,
    **more: Any,
) -> None:
    """The ``audit.search`` row, committed before any row of the trail is read. The
    request's read transaction is ended first (its connection goes back; what it loaded,
    the reader, stays loaded), so the row's short write never waits holding a
    connection, and the search that follows, in a new transaction, sees it."""
    detail = {k: str(v) for k, v in filters.search().items()} | more
    uow.session.commit()  # a read-only transaction: nothing to write, only its end
    audit(request, reader, "audit.search", "audit_events", "search", clock=clock, detail=detail)


@router.get("/staff/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    reader: AdminPage,
    uow: RequestWork,
    db: ReadSession,
    clock: ClockDep,
) -> HTMLResponse:
    """The newest rows first, fifty a page; a bad date: the form again with the reason.
    The filters are the query's ``actor_email``, ``action``, ``subject_kind``,
    ``subject_id``, ``port_code``, ``since`` and ``until`` (days), and ``page``."""
    filters, errors, typed = _parsed(request)
    context: dict[str, Any] = {"reader": reader, "values": typed, "errors": errors}
    if filters is None:
        return page(
            request,
            "staff/audit.html",
            {**context, "events": [], "total": 0, "pages": 0, "number": 1, "links": {}},
            status=400,
            headers=NO_STORE,
        )
    _recorded(request, uow, reader, filters, clock, page=filters.page)
    search = filters.search()
    total = audit_service.count(db, **search)
    events = audit_service.search(
        db, limit=PAGE_SIZE, offset=(filters.page - 1) * PAGE_SIZE, **search
    )
    pages = max(1, -(-total // PAGE_SIZE))
    base = {k: v for k, v in typed.items() if k != "page"}
    links = {
        "newer": _query(base, filters.page - 1) if filters.page > 1 else None,
        "older": _query(base, filters.page + 1) if filters.page < pages else None,
        "csv": _query(base, None),
    }
    rows = [
        {"event": e, "detail": json.dumps(e.detail or {}, sort_keys=True, ensure_ascii=False)}
        for e in events
    ]
    return page(
        request,
        "staff/audit.html",
        {
            **context,
            "events": rows,
            "total": total,
            "pages": pages,
            "number": filters.page,
            "first": (filters.page - 1) * PAGE_SIZE + 1,
            "last": (filters.page - 1) * PAGE_SIZE + len(rows),
            "links": links,
        },
        headers=NO_STORE,
    )


def _query(values: dict[str, str], number: int | None) -> str:
    query = dict(values)
    if number is not None and number > 1:
        query["page"] = str(number)
    return "?" + urlencode(query) if query else ""


@router.get("/staff/admin/audit.csv")
def audit_csv(
    request: Request,
    reader: AdminPage,
    uow: RequestWork,
    db: ReadSession,
    clock: ClockDep,
) -> Response:
    """The current search as CSV (oldest first, every matching row: the export's
    columns, docs/data-formats.md), recorded like the page."""
    filters, _, _ = _parsed(request)
    if filters is None:
        return audit_page(request, reader, uow, db, clock)
    _recorded(request, uow, reader, filters, clock, csv=True)
    out = io.StringIO()
    audit_service.export_csv(db, out, **filters.search())
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="audit.csv"'},
    )
