"""The audit trail: rows are kept with who, what, when and where; search filters them;
the export writes them all, oldest first."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role
from puerta.audit import service as audit_service
from puerta.clock import FrozenClock
from puerta.db import Database
from puerta.ports import service as ports_service


def _staff(db: Database, settings, clock: FrozenClock):  # type: ignore[no-untyped-def]
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
        officer = accounts_service.create_staff(
            s,
            email="Ofc@Sys.example",
            password="officer pass 1",
            role=Role.OFFICER,
            port_code="SYS",
            clock=clock,
        )
        analyst = accounts_service.create_staff(
            s,
            email="ana@hq.example",
            password="officer pass 1",
            role=Role.ANALYST,
            port_code=None,
            clock=clock,
        )
        return officer.id, analyst.id


def test_a_row_keeps_who_what_when_and_where(db: Database, settings, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    officer_id, _ = _staff(db, settings, clock)
    with db.session() as s:
        officer = s.get(accounts_service.User, officer_id)  # type: ignore[attr-defined]
        audit_service.record(
            s,
            actor=officer,
            action="photo.view",
            subject_kind="traveler",
            subject_id="R1:0",
            port_code="sys",
            ip="10.1.2.3",
            detail={"size": "thumb"},
            clock=clock,
        )
    with db.read_only() as s:
        (row,) = audit_service.search(s)
        assert (row.actor_email, row.actor_role, row.action) == (
            "ofc@sys.example",
            "officer",
            "photo.view",
        )
        assert (row.subject_kind, row.subject_id, row.port_code, row.ip) == (
            "traveler",
            "R1:0",
            "SYS",
            "10.1.2.3",
        )
        assert row.at == clock.now()
        assert row.detail == {"size": "thumb"}


def test_search_filters_and_pages_newest_first(db: Database, settings, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    officer_id, analyst_id = _staff(db, settings, clock)
    start = clock.now()
    with db.session() as s:
        officer = s.get(accounts_service.User, officer_id)  # type: ignore[attr-defined]
        analyst = s.get(accounts_service.User, analyst_id)  # type: ignore[attr-defined]
        for i in range(5):
            at = FrozenClock(start + timedelta(days=i))
            who = officer if i % 2 == 0 else analyst
            audit_service.record(
                s,
                actor=who,
                action="arrival.read" if i < 4 else "finding.review",
                subject_kind="appointment",
                subject_id=f"CODE{i}",
                port_code="SYS",
                clock=at,
            )
    with db.read_only() as s:
        assert audit_service.count(s) == 5
        assert audit_service.count(s, actor_email=" OFC@sys.example") == 3
        assert audit_service.count(s, action="finding.review") == 1
        assert [e.subject_id for e in audit_service.search(s, limit=2)] == ["CODE4", "CODE3"]
        assert [e.subject_id for e in audit_service.search(s, limit=2, offset=2)] == [
            "CODE2",
            "CODE1",
        ]
        day1 = (start + timedelta(days=1)).date()
        # ``until`` as a date holds that whole day.
        assert audit_service.count(s, since=day1, until=day1) == 1
        assert audit_service.count(s, subject_id="CODE2", port_code="sys") == 1
        assert audit_service.count(s, port_code="ELP") == 0


def test_the_export_is_csv_oldest_first_with_the_detail_as_json(
    db: Database, settings, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    _staff(db, settings, clock)
    with db.session() as s:
        for i in range(3):
            audit_service.record(
                s,
                actor=None,
                action="disposition.record",
                subject_kind="appointment",
                subject_id=f"C{i}",
                detail={"n": i, "note": "á"},
                clock=FrozenClock(datetime(2026, 3, 4, 10, i, tzinfo=UTC)),
            )
    out = io.StringIO()
    with db.read_only() as s:
        assert audit_service.export_csv(s, out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(audit_service.COLUMNS)
    assert [r["subject_id"] for r in rows] == ["C0", "C1", "C2"]
    assert json.loads(rows[2]["detail"]) == {"n": 2, "note": "á"}
    assert rows[0]["actor_email"] == ""
    assert rows[0]["at"].startswith("2026-03-04T10:00")
