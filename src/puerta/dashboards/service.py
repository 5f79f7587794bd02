"""The analysts' dashboards: one aggregate statement per figure, then pure shaping.

Why aggregates: the figures cover weeks of a national rush (a million requests a
day at the report's peak); the store sums and groups, and Python receives a few
hundred rows at most, whatever the range holds. A dashboard costs
:data:`STATEMENTS` statements on either backend, however much data it covers.

The caller owns the transaction; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from puerta.arrivals.models import Arrival
from puerta.confirmation.models import Appointment
from puerta.dashboards import metrics
from puerta.dashboards.metrics import Filters, Panel
from puerta.dashboards.sql import hour_of, utc_bounds
from puerta.draw.models import Draw, Selection
from puerta.errors import (
    DashboardChartUnknown,
    DashboardDateInvalid,
    DashboardPortUnknown,
    DashboardRangeReversed,
    DashboardRangeTooLong,
)
from puerta.findings.models import Finding, FindingTraveler
from puerta.i18n.translate import available_locales
from puerta.lifecycle import AppointmentStatus, ArrivalStatus
from puerta.ports.models import Port
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest

#: The range shown when the analyst asks for none: the last four weeks, today included.
DEFAULT_DAYS = 28
#: The longest range a dashboard draws: a year of days is still a readable line.
MAX_DAYS = 366
#: Statements one whole dashboard costs (the ports, then one per figure).
STATEMENTS = 8


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    ports: list[Port]
    panels: dict[str, Panel]


def parse_filters(
    start: str | None,
    end: str | None,
    port: str | None,
    *,
    ports: Sequence[str],
    today: date,
) -> Filters:
    """The filters from the page's query string; a coded error (400) for a bad one.

    Empty values take the defaults: the :data:`DEFAULT_DAYS` days up to ``today``, all
    ports. A range of one end only keeps the default length from that end.
    """
    first = _date(start, "from")
    last = _date(end, "to")
    if last is None:
        last = today if first is None else min(today, first + timedelta(days=DEFAULT_DAYS - 1))
        last = max(last, first) if first is not None else last
    if first is None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise DashboardRangeReversed(start=first, end=last, field="from")
    if (last - first).days + 1 > MAX_DAYS:
        raise DashboardRangeTooLong(days=MAX_DAYS, field="from")
    code = (port or "").strip().upper() or None
    if code is not None and code not in ports:
        raise DashboardPortUnknown(port=code[:8], field="port")
    return Filters(first, last, code)


def _date(value: str | None, field: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DashboardDateInvalid(field=field) from None


def port_codes(session: Session) -> list[Port]:
    """Every port, active or not: a closed port's history is still history."""
    return list(session.scalars(select(Port).order_by(Port.code)))


def dashboard(
    session: Session, filters: Filters, *, zone: ZoneInfo, today: date, ports: list[Port]
) -> Dashboard:
    """Every figure for ``filters``: :data:`STATEMENTS` statements with ``ports`` read
    by :func:`port_codes` (the requests' rows are read once for the three figures that
    use them)."""
    reads = _Reads(session, filters, zone, today, ports)
    return Dashboard(filters, ports, {name: PANELS[name](reads) for name in metrics.NAMES})


def load(
    session: Session,
    *,
    start: str | None,
    end: str | None,
    port: str | None,
    zone: ZoneInfo,
    today: date,
) -> Dashboard:
    """The dashboard a page asks for by its query string (a coded error for a bad one)."""
    ports = port_codes(session)
    filters = parse_filters(start, end, port, ports=[p.code for p in ports], today=today)
    return dashboard(session, filters, zone=zone, today=today, ports=ports)


def load_one(
    session: Session,
    name: str,
    *,
    start: str | None,
    end: str | None,
    port: str | None,
    zone: ZoneInfo,
    today: date,
) -> tuple[Filters, Panel]:
    """One figure by its name and the page's query string (a CSV download)."""
    if name not in PANELS:
        raise DashboardChartUnknown(chart=name[:40])
    ports = port_codes(session)
    filters = parse_filters(start, end, port, ports=[p.code for p in ports], today=today)
    return filters, panel(session, name, filters, zone=zone, today=today, ports=ports)


def panel(
    session: Session,
    name: str,
    filters: Filters,
    *,
    zone: ZoneInfo,
    today: date,
    ports: list[Port],
) -> Panel:
    """One figure (a CSV download): one statement, or two for the pool and the rates."""
    build = PANELS.get(name)
    if build is None:
        raise DashboardChartUnknown(chart=name[:40])
    return build(_Reads(session, filters, zone, today, ports))


@dataclass
class _Reads:
    """What the figures' statements need, and the one result several figures share."""

    session: Session
    filters: Filters
    zone: ZoneInfo
    today: date
    ports: list[Port]

    @cached_property
    def requests(self) -> list[tuple[date, str, str, int, int]]:
        return _request_rows(self.session, self.filters)


# --- the statements ---------------------------------------------------------------------


def _first_port() -> ColumnElement[str | None]:
    """The port of a registration's first request (None: it has asked for none yet)."""
    first = (
        select(AppointmentRequest.port_code)
        .where(AppointmentRequest.registration_id == Registration.id)
        .order_by(AppointmentRequest.created_at, AppointmentRequest.id)
        .limit(1)
        .correlate(Registration)
        .scalar_subquery()
    )
    return first


def _made_in(filters: Filters, zone: ZoneInfo) -> Select[Any]:
    """Registrations made in the range, with their hour and the port of their first request."""
    since, until = utc_bounds(filters.start, filters.end, zone)
    inner = (
        select(
            Registration.id.label("id"),
            hour_of(Registration.created_at).label("hour"),
            _first_port().label("port"),
        )
        .where(Registration.created_at >= since, Registration.created_at < until)
        .subquery()
    )
    query = select(inner)
    if filters.port:
        query = query.where(inner.c.port == filters.port)
    return query


def _registrations(r: _Reads) -> Panel:
    s, f = r.session, r.filters
    made = _made_in(f, r.zone).subquery()
    rows = s.execute(
        select(made.c.hour, made.c.port, func.count()).group_by(made.c.hour, made.c.port)
    ).all()
    return metrics.registrations_panel(
        [(h, p, int(n)) for h, p, n in rows], [p.code for p in r.ports], f, r.zone
    )


def _request_rows(s: Session, f: Filters) -> list[tuple[date, str, str, int, int]]:
    """(pool date, port, status, requests, travelers) of the range's pools.

    Each registration's travelers are counted once, then joined: measured on SQLite
    cheaper than joining every traveler and counting the requests apart (``DISTINCT``).
    """
    travelers = (
        select(Traveler.registration_id, func.count().label("n"))
        .group_by(Traveler.registration_id)
        .subquery()
    )
    query = (
        select(
            AppointmentRequest.pool_date,
            AppointmentRequest.port_code,
            AppointmentRequest.status,
            func.count(),
            func.coalesce(func.sum(travelers.c.n), 0),
        )
        .outerjoin(travelers, travelers.c.registration_id == AppointmentRequest.registration_id)
        .where(AppointmentRequest.pool_date.between(f.start, f.end))
        .group_by(
            AppointmentRequest.pool_date, AppointmentRequest.port_code, AppointmentRequest.status
        )
    )
    if f.port:
        query = query.where(AppointmentRequest.port_code == f.port)
    return [(d, p, st, int(n), int(t)) for d, p, st, n, t in s.execute(query)]


def _requests(r: _Reads) -> Panel:
    return metrics.requests_panel(r.requests, [p.code for p in r.ports], r.filters)


def _pool(r: _Reads) -> Panel:
    s, f = r.session, r.filters
    draws = s.execute(
        select(Draw.pool_date, Draw.params).where(Draw.pool_date.between(f.start, f.end))
    ).all()
    return metrics.pool_panel(r.requests, [(d, p or {}) for d, p in draws], f)


def _rates(r: _Reads) -> Panel:
    s, f = r.session, r.filters
    query = (
        select(Draw.pool_date, Selection.port_code, Selection.status, func.count())
        .join(Draw, Draw.id == Selection.draw_id)
        .where(Draw.pool_date.between(f.start, f.end))
        .group_by(Draw.pool_date, Selection.port_code, Selection.status)
    )
    if f.port:
        query = query.where(Selection.port_code == f.port)
    selections = [(d, p, st, int(n)) for d, p, st, n in s.execute(query)]
    return metrics.rates_panel(r.requests, selections, f)


def with_arrivals(query: Select[Any]) -> tuple[Select[Any], ColumnElement[int]]:
    """``query`` over appointments joined with their arrivals, and how many of each group
    were checked in on arrival (``Arrival``: at most one row per appointment, its status
    now, so a corrected check-in counts as it stands)."""
    query = query.outerjoin(Arrival, Arrival.appointment_id == Appointment.id)
    arrived = case((Arrival.status == ArrivalStatus.ARRIVED.value, 1), else_=0)
    return query, func.coalesce(func.sum(arrived), 0)


def _no_shows(r: _Reads) -> Panel:
    s, f = r.session, r.filters
    last = min(f.end, r.today - timedelta(days=1))
    query, arrived = with_arrivals(
        select(Appointment.day, Appointment.port_code, func.count(Appointment.id))
        .where(
            Appointment.status == AppointmentStatus.BOOKED.value,
            Appointment.day.between(f.start, last),
        )
        .group_by(Appointment.day, Appointment.port_code)
    )
    query = query.add_columns(arrived)
    if f.port:
        query = query.where(Appointment.port_code == f.port)
    rows = [(d, p, int(n), int(a)) for d, p, n, a in s.execute(query)] if f.start <= last else []
    return metrics.no_shows_panel(rows, f, r.today)


def _touches_port(port: str) -> ColumnElement[bool]:
    """A finding touches a port when one of its travelers asked for it or was booked there."""
    link = FindingTraveler.finding_id == Finding.id
    asked = exists().where(
        link,
        AppointmentRequest.registration_id == FindingTraveler.registration_id,
        AppointmentRequest.port_code == port,
    )
    booked = exists().where(
        link,
        Appointment.registration_id == FindingTraveler.registration_id,
        Appointment.port_code == port,
    )
    return or_(asked, booked)


def _findings(r: _Reads) -> Panel:
    s, f = r.session, r.filters
    weeks_from = metrics.week_of(f.start)
    since, until = utc_bounds(weeks_from, metrics.week_of(f.end) + timedelta(days=6), r.zone)
    hour = hour_of(Finding.first_seen_at)
    query = (
        select(hour, Finding.kind, Finding.status, func.count())
        .where(and_(Finding.first_seen_at >= since, Finding.first_seen_at < until))
        .group_by(hour, Finding.kind, Finding.status)
    )
    if f.port:
        query = query.where(_touches_port(f.port))
    rows = [(h, k, st, int(n)) for h, k, st, n in s.execute(query)]
    return metrics.findings_panel(rows, f, r.zone)


def _languages(r: _Reads) -> Panel:
    s, f = r.session, r.filters
    made = _made_in(f, r.zone).subquery()
    rows = s.execute(
        select(Traveler.language, func.count())
        .join(made, made.c.id == Traveler.registration_id)
        .group_by(Traveler.language)
    ).all()
    return metrics.languages_panel([(t, int(n)) for t, n in rows], available_locales(), f)


PANELS: dict[str, Callable[[_Reads], Panel]] = {
    "registrations": _registrations,
    "requests": _requests,
    "pool": _pool,
    "rates": _rates,
    "no_shows": _no_shows,
    "findings": _findings,
    "languages": _languages,
}
