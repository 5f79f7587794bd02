"""The analysts' dashboards as pages: every figure as a chart, its table and its CSV.

``/staff/dashboards?from=&to=&port=`` (analysts and admins) draws every figure for
the range; ``/staff/dashboards/{chart}.csv`` with the same query downloads one
figure's table. Both are reads of aggregate figures (no person's data), audited as
``dashboard.read`` with the filters. A bad filter shows the page again with an error
summary (400); the charts are drawn on the server, so the page needs no JavaScript.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from puerta.dashboards import render, service
from puerta.dashboards.metrics import NAMES, Filters
from puerta.errors import PuertaError
from puerta.web.deps import ClockDep, ReadSession, SettingsDep
from puerta.web.forms import Errors, domain_errors
from puerta.web.language import locale_of
from puerta.web.pages import page
from puerta.web.staff import AnalystPage, StaffReader, audit

router = APIRouter(include_in_schema=False)

TEMPLATE = "staff/dashboards/index.html"
NO_STORE = {"Cache-Control": "no-store"}
# Plain text, parsed by the service: a bad value is the page again with its field in
# error, never a validation error page.
From = Annotated[str | None, Query(alias="from")]
To = Annotated[str | None, Query(alias="to")]
PortQuery = Annotated[str | None, Query()]


def _query(filters: Filters) -> str:
    values = {"from": filters.start.isoformat(), "to": filters.end.isoformat()}
    if filters.port:
        values["port"] = filters.port
    return urlencode(values)


def _refused(
    request: Request,
    db: ReadSession,
    reader: StaffReader,
    exc: PuertaError,
    typed: dict[str, str | None],
) -> HTMLResponse:
    """The page again with what was typed (cut short) and an error summary, no figures."""
    errors: Errors = domain_errors(request, exc)
    kept = {k: (v or "")[:40] for k, v in typed.items()}
    return page(
        request,
        TEMPLATE,
        _context(db, reader, errors=errors, typed=kept),
        status=400,
        headers=NO_STORE,
    )


def _context(
    db: ReadSession, reader: StaffReader, *, errors: Errors | None = None, **values: Any
) -> dict[str, Any]:
    return {
        "reader": reader,
        "errors": errors or Errors(),
        "ports": values.pop("ports", None) or service.port_codes(db),
        "filters": None,
        "panels": [],
        "query": "",
        **values,
    }


@router.get("/staff/dashboards", response_class=HTMLResponse)
def dashboards(
    request: Request,
    reader: AnalystPage,
    db: ReadSession,
    clock: ClockDep,
    settings: SettingsDep,
    start: From = None,
    end: To = None,
    port: PortQuery = None,
) -> HTMLResponse:
    """Every figure for the range, each chart with its table and its CSV link."""
    typed = {"from": start, "to": end, "port": port}
    zone = ZoneInfo(settings.timezone)
    try:
        board = service.load(
            db,
            start=start,
            end=end,
            port=port,
            zone=zone,
            today=clock.now().astimezone(zone).date(),
        )
    except PuertaError as exc:
        return _refused(request, db, reader, exc, typed)
    _audit(request, reader, board.filters, clock=clock, chart=None)
    formats = render.Reader(locale_of(request), settings.timezone)
    query = _query(board.filters)
    return page(
        request,
        TEMPLATE,
        _context(
            db,
            reader,
            ports=board.ports,
            filters=board.filters,
            typed={
                "from": board.filters.start.isoformat(),
                "to": board.filters.end.isoformat(),
                "port": board.filters.port or "",
            },
            panels=[render.view(board.panels[name], formats) for name in NAMES],
            query=query,
        ),
        headers=NO_STORE,
    )


@router.get("/staff/dashboards/{chart}.csv", response_class=Response)
def dashboard_csv(
    chart: str,
    request: Request,
    reader: AnalystPage,
    db: ReadSession,
    clock: ClockDep,
    settings: SettingsDep,
    start: From = None,
    end: To = None,
    port: PortQuery = None,
) -> Response:
    """One figure's table as CSV (a header row of stable keys, ISO dates)."""
    zone = ZoneInfo(settings.timezone)
    try:
        filters, figure = service.load_one(
            db,
            chart,
            start=start,
            end=end,
            port=port,
            zone=zone,
            today=clock.now().astimezone(zone).date(),
        )
    except PuertaError as exc:
        if exc.status == 404:
            raise
        return _refused(request, db, reader, exc, {"from": start, "to": end, "port": port})
    _audit(request, reader, filters, clock=clock, chart=chart)
    name = f"puerta-{chart}-{filters.start.isoformat()}-{filters.end.isoformat()}"
    name += f"-{filters.port}" if filters.port else ""
    return Response(
        render.to_csv(figure),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', **NO_STORE},
    )


def _audit(
    request: Request, reader: StaffReader, filters: Filters, *, clock: ClockDep, chart: str | None
) -> None:
    """``dashboard.read``, written in a short transaction of its own (the page's is a read)."""
    detail: dict[str, Any] = {"from": filters.start.isoformat(), "to": filters.end.isoformat()}
    if chart is not None:
        detail["chart"] = chart
    audit(
        request,
        reader,
        "dashboard.read",
        "dashboard",
        chart or "all",
        clock=clock,
        port_code=filters.port,
        detail=detail,
    )
