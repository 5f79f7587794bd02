"""A port's arrivals list costs the same statements however many arrivals it holds."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from puerta.accounts.models import Role
from puerta.clock import FrozenClock
from puerta.confirmation.models import Appointment
from puerta.dataset.importer import import_dataset
from puerta.findings import service as findings_service
from puerta.registration.models import Traveler
from puerta.synth.generator import generate
from puerta.vetting import service as vetting_service
from puerta.vetting.records import Record
from puerta.vetting.watchlist import WatchList
from tests.api_support import HTML, Api
from tests.findings.test_findings import cluster


@pytest.mark.committing  # the importer opens its own connections
def test_the_list_is_a_fixed_number_of_statements(api: Api, tmp_path: Path) -> None:
    generate("oig-2023", 0.002, 5, tmp_path / "data")
    stats = import_dataset(api.db, tmp_path / "data", rejects=tmp_path / "rejects.csv")
    assert stats.appointments_loaded > 0
    with api.db.read_only() as s:
        booked = Counter(s.execute(sa.select(Appointment.port_code, Appointment.day)).all())
    (port, busy), most = booked.most_common(1)[0]
    quiet = next(day for (p, day), n in booked.items() if p == port and n < most)
    assert most >= 2, booked
    first = min(day for _, day in booked)
    # Every arrival vetted, against a list of some of the synthetic travelers themselves.
    with api.db.session() as s:
        listed = s.scalars(sa.select(Traveler).order_by(Traveler.id).limit(40)).all()
        records = [
            Record(f"W-{t.id}", t.given_names, t.family_names, t.date_of_birth) for t in listed
        ]
        vetted = vetting_service.run(
            s,
            source=WatchList.of(records),
            clock=FrozenClock(datetime.combine(first, time(), tzinfo=UTC) - timedelta(days=1)),
            timezone="UTC",
            trigger="test",
            everything=True,
        )
    assert vetted.appointments == sum(booked.values())
    officer = api.staff(f"officer@{port.lower()}.example", Role.OFFICER, port)
    statements: list[str] = []

    def on_statement(*args: Any, **_: Any) -> None:
        # Data statements only: a pooled connection's bookkeeping (SQLite's
        # PRAGMA query_only when its mode changes, BEGIN, a ping) depends on which
        # connection the request happened to get.
        text = args[2].lstrip().upper()
        if text.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")) and text != "SELECT 1":
            statements.append(args[2])

    def listed(day: object) -> tuple[int, int]:
        statements.clear()
        got = api.client.get(
            f"/api/v1/ports/{port}/appointments",
            params={"date": str(day)},
            headers=api.auth(officer),
        )
        assert got.status_code == 200, got.text
        assert all(a["travelers"] for a in got.json())
        assert all(
            [v["position"] for v in a["vetting"]] == [t["position"] for t in a["travelers"]]
            and all(v["result"] is not None for v in a["vetting"])
            for a in got.json()
        )
        return len(got.json()), len(statements)

    event.listen(api.db.engine, "before_cursor_execute", on_statement)
    try:
        listed(quiet)  # warm: the session's first statements (sign-in check) are the same
        few, few_statements = listed(quiet)
        many, many_statements = listed(busy)
    finally:
        event.remove(api.db.engine, "before_cursor_execute", on_statement)
    assert many > few
    assert many_statements == few_statements


@pytest.mark.committing  # the importer opens its own connections; the page's audit commits
def test_the_console_page_is_a_fixed_number_of_statements(api: Api, tmp_path: Path) -> None:
    """The officers' page, with a finding on the busy day only: its other ports, its
    explanation and the audit row cost the same statements as a quiet day without one."""
    generate("oig-2023", 0.002, 5, tmp_path / "data")
    import_dataset(api.db, tmp_path / "data", rejects=tmp_path / "rejects.csv")
    with api.db.read_only() as s:
        booked = Counter(s.execute(sa.select(Appointment.port_code, Appointment.day)).all())
    (port, busy), most = booked.most_common(1)[0]
    quiet = next(day for (p, day), n in booked.items() if p == port and n < most)
    with api.db.session() as s:
        rids = s.scalars(
            sa.select(Appointment.registration_id).where(
                Appointment.port_code == port, Appointment.day == busy
            )
        ).all()
        findings_service.upsert(s, [cluster(list(rids[:2]))], clock=api.clock)
    api.staff_pages(f"officer@{port.lower()}.example", Role.OFFICER, port)
    statements: list[str] = []

    def on_statement(*args: Any, **_: Any) -> None:
        text = args[2].lstrip().upper()
        if text.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")) and text != "SELECT 1":
            statements.append(args[2])

    def shown(day: object) -> tuple[int, int]:
        statements.clear()
        got = api.client.get(
            f"/staff/ports/{port}/arrivals", params={"date": str(day)}, headers=HTML
        )
        assert got.status_code == 200, got.text
        return got.text.count('class="arrival"'), len(statements)

    event.listen(api.db.engine, "before_cursor_execute", on_statement)
    try:
        shown(quiet)  # warm
        few, few_statements = shown(quiet)
        many, many_statements = shown(busy)
    finally:
        event.remove(api.db.engine, "before_cursor_execute", on_statement)
    assert many > few
    assert many_statements == few_statements
