"""The dashboards' figures over a small known world, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from puerta.config import Settings
from puerta.dashboards import service
from puerta.dashboards.metrics import Filters, Panel
from puerta.db import Database
from tests.dashboards.world import TODAY, build, check_in

NY = ZoneInfo("America/New_York")
WEEK = Filters(date(2026, 3, 1), date(2026, 3, 7))
D3, D4, D5 = date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)


def _panels(db: Database, filters: Filters) -> dict[str, Panel]:
    with db.session() as s:
        ports = service.port_codes(s)
        return service.dashboard(s, filters, zone=NY, today=TODAY, ports=ports).panels


def _row(panel: Panel, day: date) -> dict[str, Any]:
    keys = [c.key for c in panel.columns]
    found = [dict(zip(keys, r, strict=True)) for r in panel.rows if r[0] == day]
    assert len(found) == 1, panel.rows
    return found[0]


def test_every_figure_of_the_known_world(db: Database, settings: Settings) -> None:
    build(db, settings)
    panels = _panels(db, WEEK)

    registrations = panels["registrations"]
    assert [c.key for c in registrations.columns] == ["date", "CXL", "SYS", "none", "total"]
    # Made at 02:00 UTC on the 4th: 21:00 on the 3rd in New York, the day it counts on.
    assert _row(registrations, D3) == {"date": D3, "CXL": 0, "SYS": 1, "none": 0, "total": 1}
    assert _row(registrations, D4) == {"date": D4, "CXL": 1, "SYS": 1, "none": 1, "total": 3}
    assert len(registrations.rows) == 7
    assert registrations.summary_params["total"] == 4

    assert _row(panels["requests"], D4) == {"date": D4, "CXL": 1, "SYS": 2, "total": 3}

    pool = panels["pool"]
    assert pool.rows == ((D4, "CXL", 1, 1, 2), (D4, "SYS", 2, 5, 2))
    assert pool.plot.series[1][1][3] == 4.0  # seats of the 4th, both ports
    assert pool.plot.series[1][1][0] is None  # no draw on the 1st: no seats drawn

    rates = _row(panels["rates"], D4)
    assert rates["drawn"] == 3
    assert rates["selected"] == 2
    assert rates["selection_rate"] == pytest.approx(2 / 3)
    assert (rates["offers"], rates["confirmed"], rates["open"]) == (2, 1, 0)
    assert rates["confirmation_rate"] == 0.5
    assert _row(panels["rates"], D3)["selection_rate"] is None

    no_shows = panels["no_shows"]
    assert [r[0] for r in no_shows.rows] == [date(2026, 3, d) for d in range(1, 7)]  # not today
    assert _row(no_shows, D5) == {
        "date": D5,
        "appointments": 1,
        "arrived": 0,
        "no_shows": 1,
        "no_show_rate": 1.0,
    }

    findings = panels["findings"]
    monday = date(2026, 3, 2)
    assert [c.key for c in findings.columns] == [
        "week",
        "kind",
        "new",
        "under_review",
        "confirmed",
        "dismissed",
        "total",
    ]
    assert findings.rows == (
        (monday, "address_cluster", 1, 0, 0, 0, 1),
        (monday, "duplicate_person", 0, 0, 0, 1, 1),
    )

    languages = panels["languages"]
    assert set(languages.rows) == {
        ("qu", 3, None),
        ("es", 1, "es"),
        ("es-MX", 1, "es"),
        ("en", 1, "en"),
        ("pt", 1, "pt_BR"),
    }
    assert languages.rows[0] == ("qu", 3, None)  # most first
    assert languages.summary_params["share"] == 57  # 4 of 7


def test_a_group_checked_in_is_no_no_show(db: Database, settings: Settings) -> None:
    build(db, settings)
    check_in(db)
    assert _row(_panels(db, WEEK)["no_shows"], D5) == {
        "date": D5,
        "appointments": 1,
        "arrived": 1,
        "no_shows": 0,
        "no_show_rate": 0.0,
    }


def test_one_port(db: Database, settings: Settings) -> None:
    build(db, settings)
    panels = _panels(db, Filters(WEEK.start, WEEK.end, "CXL"))
    assert [c.key for c in panels["registrations"].columns] == ["date", "CXL"]
    assert _row(panels["registrations"], D4) == {"date": D4, "CXL": 1}
    assert _row(panels["registrations"], D3) == {"date": D3, "CXL": 0}
    assert panels["pool"].rows == ((D4, "CXL", 1, 1, 2),)
    rates = _row(panels["rates"], D4)
    assert (rates["drawn"], rates["selected"], rates["confirmation_rate"]) == (1, 1, 0.0)
    assert panels["no_shows"].summary_params["booked"] == 0
    # The dismissed duplicate touches c's registration, which asked at CXL.
    assert [r[1] for r in panels["findings"].rows] == ["duplicate_person"]
    assert set(panels["languages"].rows) == {("en", 1, "en")}


def test_a_dashboard_costs_the_same_statements_however_much_it_covers(
    db: Database, settings: Settings
) -> None:
    counted: list[str] = []

    def on_statement(*args: Any, **_: Any) -> None:
        if args[2].lstrip().upper().startswith(("SELECT", "WITH")):
            counted.append(args[2])

    def statements(filters: Filters) -> int:
        counted.clear()
        target = db.connection if hasattr(db, "connection") else db.engine
        event.listen(target, "before_cursor_execute", on_statement)
        try:
            _panels(db, filters)
        finally:
            event.remove(target, "before_cursor_execute", on_statement)
        return len(counted)

    empty = statements(WEEK)
    build(db, settings)
    assert statements(WEEK) == empty == service.STATEMENTS
    assert statements(Filters(date(2026, 1, 1), date(2026, 3, 31), "SYS")) == empty


def test_nothing_in_the_range_is_all_zeros(db: Database, settings: Settings) -> None:
    build(db, settings)
    panels = _panels(db, Filters(date(2025, 1, 1), date(2025, 1, 3)))
    assert [r[1:] for r in panels["requests"].rows] == [(0, 0, 0)] * 3
    assert panels["pool"].rows == ()
    assert panels["findings"].rows == ()
    assert panels["languages"].rows == ()
    assert panels["languages"].summary_params["share"] == 0
