"""The workbench's reads: the queue's filters and pages, the appeals queue, the evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role, User
from puerta.clock import FrozenClock
from puerta.db import Database
from puerta.errors import InvalidTransition, ReviewNeedsNote
from puerta.findings import evidence, service, workbench
from puerta.findings.models import Finding as FindingRow
from puerta.findings.workbench import QueueFilter
from puerta.lifecycle import FindingStatus
from puerta.ports import service as ports_service
from tests.findings.workbench_world import (
    START,
    Person,
    add_registration,
    ask_at,
    book_at,
    burst,
    cluster,
    duplicate,
    ring_of,
    store,
)


@pytest.fixture
def world(db: Database, settings: Any) -> Database:
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
    return db


def analyst(db: Database, clock: FrozenClock, email: str = "a@hq.example") -> int:
    with db.session() as s:
        user = accounts_service.create_staff(
            s,
            email=email,
            password="analyst pass 1",
            role=Role.ANALYST,
            port_code=None,
            clock=clock,
        )
        s.flush()
        return user.id


def ids(page: workbench.QueuePage) -> list[int]:
    return [r.finding.id for r in page.rows]


def test_the_queue_filters_by_kind_status_score_and_port(
    world: Database, clock: FrozenClock
) -> None:
    with world.session() as s:
        sys_a, sys_b, hid, nowhere = (add_registration(s) for _ in range(4))
        ask_at(s, sys_a, "SYS")
        book_at(s, sys_b, "SYS")
        ask_at(s, hid, "HID")
        store(
            s,
            [
                cluster([sys_a, hid], score=7.0),
                burst([sys_b, nowhere], score=9.0),
                duplicate([nowhere], score=2.0),
            ],
            clock,
        )
    with world.read_only() as s:
        everything = workbench.queue(s, QueueFilter())
        assert [r.finding.kind for r in everything.rows] == [
            "registration_burst",
            "address_cluster",
            "duplicate_person",
        ]  # highest score first
        assert everything.rows[0].ports == ["SYS"]  # booked there
        assert everything.rows[1].ports == ["HID", "SYS"]  # asked there
        assert everything.rows[2].ports == []
        assert [r.travelers for r in everything.rows] == [2, 2, 1]
        at_sys = workbench.queue(s, QueueFilter(port="SYS"))
        assert [r.finding.kind for r in at_sys.rows] == ["registration_burst", "address_cluster"]
        at_hid = workbench.queue(s, QueueFilter(port="hid"))
        assert [r.finding.kind for r in at_hid.rows] == ["address_cluster"]
        assert workbench.queue(s, QueueFilter(port="BRO")).total == 0
        kind = workbench.queue(s, QueueFilter(kind="duplicate_person"))
        assert [r.finding.kind for r in kind.rows] == ["duplicate_person"]
        assert workbench.queue(s, QueueFilter(min_score=7.0)).total == 2
        assert workbench.queue(s, QueueFilter(status=FindingStatus.NEW)).total == 3
        assert workbench.queue(s, QueueFilter(status=FindingStatus.CONFIRMED)).total == 0


def test_the_queue_filters_by_the_days_a_finding_was_seen(
    world: Database, clock: FrozenClock
) -> None:
    with world.session() as s:
        rid = add_registration(s)
        store(s, [cluster([rid])], clock)  # first seen today
    clock.advance(days=10)
    with world.session() as s:
        rid2 = add_registration(s)
        store(s, [duplicate([rid2])], clock)
    today = clock.now().date()
    with world.read_only() as s:
        assert workbench.queue(s, QueueFilter(seen_from=today)).total == 1
        assert workbench.queue(s, QueueFilter(seen_to=today - timedelta(days=5))).total == 1
        both = QueueFilter(seen_from=today - timedelta(days=20), seen_to=today)
        assert workbench.queue(s, both).total == 2
        assert workbench.queue(s, QueueFilter(seen_from=today + timedelta(days=1))).total == 0


def test_the_queue_pages_by_fifty_and_clamps_a_page_past_the_end(
    world: Database, clock: FrozenClock
) -> None:
    with world.session() as s:
        rid = add_registration(s)
        store(s, [cluster([rid], score=float(i), name=str(i)) for i in range(120)], clock)
    with world.read_only() as s:
        first = workbench.queue(s, QueueFilter())
        assert (first.total, first.pages, len(first.rows)) == (120, 3, 50)
        assert (first.has_previous, first.has_next, first.first, first.last) == (False, True, 1, 50)
        third = workbench.queue(s, QueueFilter(), page=3)
        assert (len(third.rows), third.has_next, third.first, third.last) == (20, False, 101, 120)
        assert [r.finding.score for r in third.rows][-1] == 0.0
        assert workbench.queue(s, QueueFilter(), page=99).page == 3
        pages = [ids(workbench.queue(s, QueueFilter(), page=p)) for p in (1, 2, 3)]
        assert len({i for p in pages for i in p}) == 120  # no finding on two pages


@pytest.mark.parametrize("how_many", [3, 90])
def test_a_page_of_the_queue_is_four_statements(
    world: Database, clock: FrozenClock, how_many: int
) -> None:
    with world.session() as s:
        rids = [add_registration(s) for _ in range(how_many)]
        for i, rid in enumerate(rids):
            ask_at(s, rid, ["SYS", "HID", "ELP"][i % 3])
        store(s, [cluster([rid, rids[0]], name=rid) for rid in rids], clock)
    statements: list[str] = []

    def on_statement(*args: Any, **_: Any) -> None:
        if args[2].lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(args[2])

    with world.read_only() as s:
        event.listen(world.connection, "before_cursor_execute", on_statement)  # type: ignore[attr-defined]
        try:
            page = workbench.queue(s, QueueFilter(port="SYS"))
        finally:
            event.remove(world.connection, "before_cursor_execute", on_statement)  # type: ignore[attr-defined]
    assert page.rows
    assert len(statements) == 4


def test_an_appeal_needs_a_reason_and_waits_in_the_appeals_queue(
    world: Database, clock: FrozenClock
) -> None:
    reviewer_id = analyst(world, clock)
    with world.session() as s:
        rid = add_registration(s)
        store(s, [cluster([rid]), duplicate([rid])], clock)
    with world.session() as s:
        reviewer = s.get(User, reviewer_id)
        first, second = s.scalars(select(FindingRow).order_by(FindingRow.id)).all()
        for f in (first, second):
            service.review(
                s, finding=f, reviewer=reviewer, status=FindingStatus.DISMISSED,
                note="A family.", clock=clock,
            )  # fmt: skip
        with pytest.raises(ReviewNeedsNote):
            service.review(
                s, finding=first, reviewer=reviewer, status=FindingStatus.UNDER_REVIEW,
                note="  ", clock=clock,
            )  # fmt: skip
        with pytest.raises(InvalidTransition):
            service.review(
                s, finding=first, reviewer=reviewer, status=FindingStatus.CONFIRMED,
                note="x", clock=clock,
            )  # fmt: skip
    clock.advance(minutes=5)
    with world.session() as s:
        reviewer = s.get(User, reviewer_id)
        second = s.scalars(select(FindingRow).order_by(FindingRow.id.desc())).first()
        service.review(
            s, finding=second, reviewer=reviewer, status=FindingStatus.UNDER_REVIEW,
            note="The family wrote in.", clock=clock,
        )  # fmt: skip
    clock.advance(minutes=5)
    with world.session() as s:
        reviewer = s.get(User, reviewer_id)
        first = s.scalars(select(FindingRow).order_by(FindingRow.id)).first()
        service.review(
            s, finding=first, reviewer=reviewer, status=FindingStatus.UNDER_REVIEW,
            note="Sponsor's appeal.", clock=clock,
        )  # fmt: skip
    with world.read_only() as s:
        waiting = workbench.appeals(s)
        assert [a.reason for a in waiting] == ["The family wrote in.", "Sponsor's appeal."]
        assert [a.by for a in waiting] == ["a@hq.example"] * 2
        assert [a.decided for a in waiting] == ["dismissed"] * 2
        assert waiting[0].at < waiting[1].at  # oldest first
        trail = [e.action for e in service.history(s, waiting[0].finding)]
        assert trail == ["created", "reviewed", "appealed"]
    with world.session() as s:
        reviewer = s.get(User, reviewer_id)
        first = s.scalars(select(FindingRow).order_by(FindingRow.id)).first()
        service.review(
            s, finding=first, reviewer=reviewer, status=FindingStatus.CONFIRMED,
            note="Checked again: not a family.", clock=clock,
        )  # fmt: skip
    with world.read_only() as s:
        assert [a.reason for a in workbench.appeals(s)] == ["The family wrote in."]


def test_travelers_link_to_their_arrival(world: Database, clock: FrozenClock) -> None:
    with world.session() as s:
        booked = add_registration(s, Person(given="Luis", family="Díaz"), Person(given="Eva"))
        waiting = add_registration(s)
        code = book_at(s, booked, "HID")
        f = replace(
            cluster([booked, waiting, "R-NOT-HERE"]),
            travelers=((booked, 0), (booked, 1), (waiting, 0), ("R-NOT-HERE", 0)),
        )
        store(s, [f], clock)
    with world.read_only() as s:
        finding = s.scalars(select(FindingRow)).one()
        lines, total = evidence.travelers(s, finding)
        assert total == 4
        by = {(t.registration_id, t.position): t for t in lines}
        assert by[(booked, 0)].name == "Luis Díaz"
        assert (by[(booked, 1)].port, by[(booked, 1)].code) == ("HID", code)
        assert by[(waiting, 0)].code is None
        assert by[("R-NOT-HERE", 0)].name is None
        few, total = evidence.travelers(s, finding, limit=2)
        assert (len(few), total) == (2, 4)


def test_the_map_reads_the_ports_and_the_destination_from_the_evidence() -> None:
    counts = {
        p.code: p.count for p in evidence.port_counts({"holders_by_port": {"SYS": 3, "none": 9}})
    }
    assert len(counts) == 8
    assert counts["SYS"] == 3
    assert counts["BRO"] == 0
    dest = evidence.destination(
        {
            "address": "901 CHURCH ST, CHICAGO IL 60693",
            "variants": [{"zip": "60601-3856", "count": 4}, {"zip": None}],
        }
    )
    assert dest is not None
    assert dest.zip5 == "60601"  # what most variants wrote
    fallback = evidence.destination({"address": "123 MAIN ST, HOUSTON TX 77002"})
    assert fallback is not None
    assert fallback.zip5 == "77002"
    assert evidence.destination({"address": "somewhere"}) is None


def test_a_burst_is_its_registrations_in_time_order(world: Database, clock: FrozenClock) -> None:
    with world.session() as s:
        rids = [
            add_registration(
                s, created=START + timedelta(seconds=sec), device="dev-1", form_seconds=7.5
            )
            for sec in (9, 0, 4)
        ]
        store(s, [burst(rids)], clock)
    with world.read_only() as s:
        times = evidence.registration_times(s, s.scalars(select(FindingRow)).one())
    assert [t.registration_id for t in times] == [rids[1], rids[2], rids[0]]
    assert [(t.at - times[0].at).total_seconds() for t in times] == [0, 4, 9]
    assert {t.device_id for t in times} == {"dev-1"}


def test_a_ring_is_drawn_from_the_values_its_registrations_share(
    world: Database, clock: FrozenClock
) -> None:
    with world.session() as s:
        a = add_registration(s, Person(phone="+52 664 123 4567"), device="dev-9")
        b = add_registration(s, Person(phone="664-123-4567", email="X.Y+1@example.org"))
        c = add_registration(s, Person(email="xy@example.org"), device="dev-9")
        d = add_registration(s, Person(phone="+1 619 555 0123"))
        shared = [
            {"link": "phone", "value": "+526641234567", "n": 2},
            {"link": "email", "value": "xy@example.org", "n": 2},
            {"link": "device", "value": "dev-9", "n": 2},
        ]
        store(s, [ring_of([a, b, c, d], shared)], clock)
    with world.read_only() as s:
        nodes, values, links = evidence.ring(s, s.scalars(select(FindingRow)).one())
    assert nodes == sorted([a, b, c, d])
    assert [(v.kind, sorted(v.registrations)) for v in values] == [
        ("phone", sorted([a, b])),
        ("email", sorted([b, c])),
        ("device", sorted([a, c])),
    ]
    assert {(frozenset((link.a, link.b)), link.kind) for link in links} == {
        (frozenset((a, b)), "phone"),
        (frozenset((b, c)), "email"),
        (frozenset((a, c)), "device"),
    }


def test_variations_show_what_each_registration_wrote(world: Database, clock: FrozenClock) -> None:
    with world.session() as s:
        a = add_registration(s, Person(given="Ana", born=date(1990, 3, 7)))
        b = add_registration(s, Person(given="Anna", born=date(1990, 7, 3)))
        store(s, [duplicate([a, b])], clock)
    with world.read_only() as s:
        columns, total = evidence.variations(s, s.scalars(select(FindingRow)).one())
    assert total == 2
    assert [c["given_names"] for c in columns] == ["Ana", "Anna"]
    assert [c["date_of_birth"] for c in columns] == ["1990-03-07", "1990-07-03"]
    assert columns[0]["registration"] == f"{a} · 1"
    assert not {"sex", "citizenship", "language", "country_of_birth"} & set(columns[0])
