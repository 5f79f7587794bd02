"""The dashboards' figures shaped from the queries' rows: pure, language-free.

Each figure is a :class:`Panel`: a table (columns and rows of plain values: dates,
codes, counts, rates as fractions) and the plot drawn from it. The page renders both
in the reader's language; the CSV download writes the same rows with the columns'
keys as its header, so the table and the file cannot disagree.

Example:
    >>> from datetime import date
    >>> f = Filters(date(2026, 3, 1), date(2026, 3, 2))
    >>> p = requests_panel([(date(2026, 3, 2), "SYS", "pooled", 3, 5)], ["SYS"], f)
    >>> p.rows
    ((datetime.date(2026, 3, 1), 0), (datetime.date(2026, 3, 2), 3))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from puerta.dashboards.sql import local_day
from puerta.i18n import M
from puerta.i18n.message import Message
from puerta.i18n.translate import SOURCE_LOCALE, negotiate
from puerta.lifecycle import FindingStatus, RequestStatus, SelectionStatus

#: The charts, by the name in their CSV address (``/staff/dashboards/{name}.csv``).
NAMES = ("registrations", "requests", "pool", "rates", "no_shows", "findings", "languages")
#: Languages drawn as bars; the table lists them all.
LANGUAGE_BARS = 8

DATE = M("staff.dashboards.col.date", "Day")
WEEK = M("staff.dashboards.col.week", "Week of")
PORT = M("staff.dashboards.col.port", "Port")
TOTAL = M("staff.dashboards.col.total", "Total")
NO_REQUEST = M("staff.dashboards.col.no_request", "No request yet")


@dataclass(frozen=True)
class Filters:
    """What the analyst asked for: the days ``start`` to ``end`` (both included), one port."""

    start: date
    end: date
    port: str | None = None

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Column:
    """A table column: its CSV header, its heading, and how its values are shown.

    ``kind``: ``date``, ``text``, ``port``, ``language``, ``finding_kind``, ``count``
    or ``rate`` (a fraction, shown as a percentage).
    """

    key: str
    label: Message | StrEnum | str
    kind: str = "count"


@dataclass(frozen=True)
class Plot:
    """What the chart draws: ``line``, ``bar`` (stacked) or ``hbar`` over ``x``."""

    kind: str
    x: tuple[Any, ...]
    series: tuple[tuple[Message | StrEnum | str, tuple[float | None, ...]], ...]
    percent: bool = False


@dataclass(frozen=True)
class Panel:
    name: str
    title: Message
    summary: Message
    summary_params: dict[str, Any]
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    plot: Plot
    note: Message | None = field(default=None)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _peak(days: Sequence[date], totals: Sequence[int]) -> dict[str, Any]:
    best = max(range(len(days)), key=lambda i: (totals[i], -i)) if days else None
    return {
        "peak_day": days[best] if best is not None else "",
        "peak": totals[best] if best is not None else 0,
    }


def _port_columns(ports: Sequence[str], filters: Filters) -> list[str]:
    return [filters.port] if filters.port else list(ports)


# --- registrations and requests per day and port -------------------------------------


def registrations_panel(
    hours: Iterable[tuple[str, str | None, int]],
    ports: Sequence[str],
    filters: Filters,
    zone: ZoneInfo,
) -> Panel:
    """Registrations made each day (in ``zone``), by the port of their first request.

    ``hours``: (UTC hour, port of the first request or None, registrations).
    """
    counts: dict[tuple[date, str | None], int] = defaultdict(int)
    for hour, port, n in hours:
        counts[local_day(hour, zone), port] += n
    codes: list[str | None] = [*_port_columns(ports, filters)]
    if not filters.port:
        codes.append(None)
    return _per_port(
        "registrations",
        M("staff.dashboards.registrations", "Registrations per day"),
        M(
            "staff.dashboards.registrations.summary",
            "{total} registrations from {start} to {end}, most on {peak_day} ({peak}), "
            "by the port of their first request.",
        ),
        counts,
        codes,
        filters,
    )


def requests_panel(
    rows: Iterable[tuple[date, str, str, int, int]], ports: Sequence[str], filters: Filters
) -> Panel:
    """Appointment requests per pool day and port, whatever became of them.

    ``rows``: (pool date, port, request status, requests, travelers).
    """
    counts: dict[tuple[date, str | None], int] = defaultdict(int)
    for day, port, _status, n, _travelers in rows:
        counts[day, port] += n
    return _per_port(
        "requests",
        M("staff.dashboards.requests", "Requests per day"),
        M(
            "staff.dashboards.requests.summary",
            "{total} appointment requests from {start} to {end}, most on {peak_day} ({peak}).",
        ),
        counts,
        _port_columns(ports, filters),
        filters,
    )


def _per_port(
    name: str,
    title: Message,
    summary: Message,
    counts: dict[tuple[date, str | None], int],
    codes: Sequence[str | None],
    filters: Filters,
) -> Panel:
    days = filters.days
    columns = [Column("date", DATE, "date")]
    columns += [Column(c or "none", c or NO_REQUEST) for c in codes]
    rows, totals = [], []
    for day in days:
        values = [counts.get((day, c), 0) for c in codes]
        totals.append(sum(values))
        rows.append((day, *values, totals[-1]) if len(codes) > 1 else (day, *values))
    if len(codes) > 1:
        columns.append(Column("total", TOTAL))
    series = tuple(
        (c or NO_REQUEST, tuple(float(r[1 + i]) for r in rows)) for i, c in enumerate(codes)
    )
    params = {"total": sum(totals), "start": filters.start, "end": filters.end}
    return Panel(
        name,
        title,
        summary,
        params | _peak(days, totals),
        tuple(columns),
        tuple(rows),
        Plot("line", tuple(days), series),
    )


# --- the pool against the seats ------------------------------------------------------

IN_POOL = frozenset({RequestStatus.POOLED, RequestStatus.SELECTED, RequestStatus.NOT_SELECTED})


def pool_panel(
    requests: Iterable[tuple[date, str, str, int, int]],
    draws: Iterable[tuple[date, dict[str, Any]]],
    filters: Filters,
) -> Panel:
    """Each pool day's travelers (and requests) against the seats its draw had.

    The seats are the draw's own capacity record (``Draw.params["capacity"]``: each
    port's free seats when it ran); a pool not drawn yet has none.
    """
    pooled: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for day, port, status, n, travelers in requests:
        if status in IN_POOL:
            pooled[day, port][0] += n
            pooled[day, port][1] += travelers
    seats: dict[tuple[date, str], int] = {}
    drawn: set[date] = set()
    for day, params in draws:
        drawn.add(day)
        for port, free in (params.get("capacity") or {}).items():
            if filters.port in (None, port):
                seats[day, port] = int(free)
    keys = sorted(set(pooled) | set(seats))
    rows = tuple(
        (
            day,
            port,
            *pooled.get((day, port), (0, 0)),
            seats.get((day, port), 0) if day in drawn else None,
        )
        for day, port in keys
    )
    days = filters.days
    travelers = tuple(float(sum(r[3] for r in rows if r[0] == d)) for d in days)
    seat_line = tuple(
        float(sum(r[4] or 0 for r in rows if r[0] == d)) if d in drawn else None for d in days
    )
    return Panel(
        "pool",
        M("staff.dashboards.pool", "The pool against the seats"),
        M(
            "staff.dashboards.pool.summary",
            "Travelers in each day's pool against the seats its draw had, from {start} to "
            "{end}: {travelers} travelers in all for {seats} seats.",
        ),
        {
            "start": filters.start,
            "end": filters.end,
            "travelers": int(sum(travelers)),
            "seats": int(sum(v or 0 for v in seat_line)),
        },
        (
            Column("date", DATE, "date"),
            Column("port", PORT, "port"),
            Column("requests", M("staff.dashboards.col.pool_requests", "Requests in the pool")),
            Column("travelers", M("staff.dashboards.col.pool_travelers", "Travelers in the pool")),
            Column("seats", M("staff.dashboards.col.seats", "Seats")),
        ),
        rows,
        Plot(
            "line",
            tuple(days),
            (
                (M("staff.dashboards.col.pool_travelers", "Travelers in the pool"), travelers),
                (M("staff.dashboards.col.seats", "Seats"), seat_line),
            ),
        ),
        note=M("staff.dashboards.pool.note", "A pool not drawn yet has no seats."),
    )


# --- selection and confirmation -------------------------------------------------------

OPEN = frozenset({SelectionStatus.OFFERED})


def rates_panel(
    requests: Iterable[tuple[date, str, str, int, int]],
    selections: Iterable[tuple[date, str, str, int]],
    filters: Filters,
) -> Panel:
    """Per pool day: the share of drawn requests selected, and of decided offers confirmed.

    ``selections``: (pool date of the draw, port, selection status, selections).
    An offer still open counts in neither side of the confirmation rate.
    """
    drawn: dict[date, int] = defaultdict(int)
    selected: dict[date, int] = defaultdict(int)
    for day, _port, status, n, _travelers in requests:
        if status in (RequestStatus.SELECTED, RequestStatus.NOT_SELECTED):
            drawn[day] += n
        if status == RequestStatus.SELECTED:
            selected[day] += n
    offers: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, _port, status, n in selections:
        offers[day][0] += n
        offers[day][1] += n if status == SelectionStatus.CONFIRMED else 0
        offers[day][2] += n if status in OPEN else 0
    rows = []
    for day in filters.days:
        made, confirmed, still_open = offers.get(day, (0, 0, 0))
        rows.append(
            (
                day,
                drawn[day],
                selected[day],
                _rate(selected[day], drawn[day]),
                made,
                confirmed,
                still_open,
                _rate(confirmed, made - still_open),
            )
        )
    selection_rate = M("staff.dashboards.col.selection_rate", "Selection rate")
    confirmation_rate = M("staff.dashboards.col.confirmation_rate", "Confirmation rate")
    all_drawn, all_selected = sum(drawn.values()), sum(selected.values())
    decided = sum(r[4] - r[6] for r in rows)
    return Panel(
        "rates",
        M("staff.dashboards.rates", "Selection and confirmation rates"),
        M(
            "staff.dashboards.rates.summary",
            "From {start} to {end}, {selected} of {drawn} drawn requests were selected and "
            "{confirmed} of {decided} decided offers were confirmed.",
        ),
        {
            "start": filters.start,
            "end": filters.end,
            "selected": all_selected,
            "drawn": all_drawn,
            "confirmed": sum(r[5] for r in rows),
            "decided": decided,
        },
        (
            Column("date", DATE, "date"),
            Column("drawn", M("staff.dashboards.col.drawn", "Requests drawn")),
            Column("selected", RequestStatus.SELECTED),
            Column("selection_rate", selection_rate, "rate"),
            Column("offers", M("staff.dashboards.col.offers", "Offers")),
            Column("confirmed", SelectionStatus.CONFIRMED),
            Column("open", M("staff.dashboards.col.open", "Still open")),
            Column("confirmation_rate", confirmation_rate, "rate"),
        ),
        tuple(rows),
        Plot(
            "line",
            tuple(filters.days),
            (
                (selection_rate, tuple(r[3] for r in rows)),
                (confirmation_rate, tuple(r[7] for r in rows)),
            ),
            percent=True,
        ),
    )


# --- no-shows --------------------------------------------------------------------------


def no_shows_panel(
    appointments: Iterable[tuple[date, str, int, int]], filters: Filters, today: date
) -> Panel:
    """Past days' booked appointments and the share not checked in on arrival.

    ``appointments``: (day, port, booked appointments, of them arrived). Today and later
    are not counted: their arrivals may still come.
    """
    booked: dict[date, int] = defaultdict(int)
    arrived: dict[date, int] = defaultdict(int)
    for day, _port, n, came in appointments:
        booked[day] += n
        arrived[day] += came
    days = [d for d in filters.days if d < today]
    rows = tuple(
        (d, booked[d], arrived[d], booked[d] - arrived[d], _rate(booked[d] - arrived[d], booked[d]))
        for d in days
    )
    rate = M("staff.dashboards.col.no_show_rate", "No-show rate")
    all_booked = sum(r[1] for r in rows)
    return Panel(
        "no_shows",
        M("staff.dashboards.no_shows", "No-show rate"),
        M(
            "staff.dashboards.no_shows.summary",
            "{missed} of {booked} appointments from {start} to {end} were not checked in "
            "on arrival.",
        ),
        {
            "start": filters.start,
            "end": min(filters.end, today - timedelta(days=1)),
            "missed": sum(r[3] for r in rows),
            "booked": all_booked,
        },
        (
            Column("date", DATE, "date"),
            Column("appointments", M("staff.dashboards.col.appointments", "Appointments")),
            Column("arrived", M("staff.dashboards.col.arrived", "Checked in")),
            Column("no_shows", M("staff.dashboards.col.no_shows", "Not checked in")),
            Column("no_show_rate", rate, "rate"),
        ),
        rows,
        Plot("bar", tuple(days), ((rate, tuple(r[4] for r in rows)),), percent=True),
        note=M(
            "staff.dashboards.no_shows.note",
            "Only days before today. An appointment counts as arrived once it is checked in.",
        ),
    )


# --- findings per week -----------------------------------------------------------------


def week_of(day: date) -> date:
    """The Monday that starts ``day``'s week (ISO 8601)."""
    return day - timedelta(days=day.weekday())


def findings_panel(
    hours: Iterable[tuple[str, str, str, int]], filters: Filters, zone: ZoneInfo
) -> Panel:
    """Findings first seen each week, by kind and status (their status now).

    ``hours``: (UTC hour first seen, kind, status, findings).
    """
    counts: dict[tuple[date, str, str], int] = defaultdict(int)
    for hour, kind, status, n in hours:
        counts[week_of(local_day(hour, zone)), kind, status] += n
    weeks = sorted({week_of(d) for d in filters.days})
    statuses = list(FindingStatus)
    rows = []
    for week in weeks:
        kinds = sorted({k for (w, k, _s) in counts if w == week})
        for kind in kinds:
            values = [counts.get((week, kind, s.value), 0) for s in statuses]
            rows.append((week, kind, *values, sum(values)))
    series = tuple(
        (s, tuple(float(sum(r[2 + i] for r in rows if r[0] == w)) for w in weeks))
        for i, s in enumerate(statuses)
    )
    return Panel(
        "findings",
        M("staff.dashboards.findings", "Findings per week"),
        M(
            "staff.dashboards.findings.summary",
            "{total} findings first seen in the weeks from {start} to {end}, by their status "
            "now; the table breaks them down by kind.",
        ),
        {"total": sum(r[-1] for r in rows), "start": weeks[0], "end": weeks[-1]},
        (
            Column("week", WEEK, "date"),
            Column("kind", M("staff.dashboards.col.kind", "Kind"), "finding_kind"),
            *(Column(s.value, s) for s in statuses),
            Column("total", TOTAL),
        ),
        tuple(rows),
        Plot("bar", tuple(weeks), series),
    )


# --- the language people are served in -------------------------------------------------


def served_in(language: str, available: Sequence[str]) -> str | None:
    """The catalog a traveler's language is served in, or None when Puerta has none.

    The same negotiation as a browser's ``Accept-Language`` (``translate.negotiate``):
    ``es-MX`` is served by ``es``, ``pt`` by ``pt_BR``. English is the source language.

    Example:
        >>> served_in("es-MX", ("en", "es")), served_in("ht", ("en", "es"))
        ('es', None)
    """
    found = negotiate(language, available, SOURCE_LOCALE)
    if found != SOURCE_LOCALE:
        return found
    primary = language.replace("_", "-").split("-")[0].lower()
    return SOURCE_LOCALE if primary == SOURCE_LOCALE else None


def languages_panel(
    rows: Iterable[tuple[str, int]], available: Sequence[str], filters: Filters
) -> Panel:
    """Travelers registered in the range by their language, and whether Puerta speaks it.

    ``rows``: (the travelers' language tag, travelers).
    """
    by_tag: dict[str, int] = defaultdict(int)
    for tag, n in rows:
        by_tag[tag] += n
    table = tuple(
        (tag, n, served_in(tag, available))
        for tag, n in sorted(by_tag.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    total = sum(r[1] for r in table)
    served = sum(r[1] for r in table if r[2] is not None)
    shown = table[:LANGUAGE_BARS]
    yes = M("staff.dashboards.served", "Served in their language")
    no = M("staff.dashboards.not_served", "No catalog in their language")
    return Panel(
        "languages",
        M("staff.dashboards.languages", "Registrants served in their own language"),
        M(
            "staff.dashboards.languages.summary",
            "{share}% of the {total} travelers registered from {start} to {end} have a "
            "language Puerta has a catalog for.",
        ),
        {
            "share": round(100 * served / total) if total else 0,
            "total": total,
            "start": filters.start,
            "end": filters.end,
        },
        (
            Column("language", M("staff.dashboards.col.language", "Language"), "language"),
            Column("travelers", M("staff.dashboards.col.travelers", "Travelers")),
            Column("served_in", M("staff.dashboards.col.served_in", "Served in"), "language"),
        ),
        table,
        Plot(
            "hbar",
            tuple(r[0] for r in shown),
            (
                (yes, tuple(float(r[1]) if r[2] else None for r in shown)),
                (no, tuple(None if r[2] else float(r[1]) for r in shown)),
            ),
        ),
    )
