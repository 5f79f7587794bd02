"""The detail page's figures: the right drawing for each kind, and its numbers in a table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from puerta.clock import FrozenClock
from puerta.db import Database
from puerta.findings import figures
from puerta.findings.models import Finding as FindingRow
from puerta.i18n import Message, render
from puerta.ports import service as ports_service
from puerta.web.pages import Formats
from tests.findings.workbench_world import (
    START,
    Person,
    add_registration,
    burst,
    cluster,
    duplicate,
    ring_of,
    store,
)


def say(message: Message, **params: Any) -> str:
    return render(message, params, locale="en", tz="UTC")


FMT = Formats("en", "UTC")


@pytest.fixture
def world(db: Database, settings: Any) -> Database:
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
    return db


def built(db: Database) -> list[figures.Figure]:
    with db.read_only() as s:
        finding = s.scalars(select(FindingRow)).one()
        return figures.figures(s, finding, say=say, fmt=FMT)


def svg_of(figure: figures.Figure) -> ET.Element:
    assert figure.svg is not None
    return ET.fromstring(str(figure.svg))  # noqa: S314 (our own drawing)


def test_an_address_gets_a_map_its_registrations_over_time_and_the_evidence(
    world: Database, clock: FrozenClock
) -> None:
    with world.session() as s:
        rids = [add_registration(s, created=START + timedelta(days=d)) for d in (0, 0, 3, 40)]
        store(s, [cluster(rids)], clock)
    shown = built(world)
    assert [f.heading for f in shown] == [
        "Where the travelers of this address appeared",
        "Registrations giving this address over time",
        "Evidence",
    ]
    the_map, over_time, _ = shown
    assert "ZIP 77002" in {t.text for t in svg_of(the_map).iter("{http://www.w3.org/2000/svg}text")}
    holders = {row[0].text: row[2].text for row in the_map.tables[0].rows}
    assert (holders["SYS"], holders["HID"], holders["BRO"]) == ("2", "1", "0")
    assert any("no appointment: 1" in n for n in the_map.notes)
    per_day = [(r[0].text, r[1].text) for r in over_time.tables[0].rows]
    assert per_day == [("Jun 19, 2023", "2"), ("Jun 22, 2023", "1"), ("Jul 29, 2023", "1")]


def test_a_burst_gets_its_timeline_and_each_registration_in_order(
    world: Database, clock: FrozenClock
) -> None:
    with world.session() as s:
        rids = [
            add_registration(s, created=START + timedelta(seconds=sec), device="dev-1")
            for sec in (0, 4, 9)
        ]
        store(s, [burst(rids)], clock)
    timeline_figure = built(world)[0]
    root = svg_of(timeline_figure)
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) == 3
    rows = timeline_figure.tables[0].rows
    assert [r[1].text for r in rows] == rids
    assert [r[3].text for r in rows] == ["", "4", "5"]


def test_a_ring_gets_its_graph_and_its_shared_values(world: Database, clock: FrozenClock) -> None:
    with world.session() as s:
        a = add_registration(s, Person(phone="+52 664 123 4567"))
        b = add_registration(s, Person(phone="664 123 4567", email="x@example.org"))
        c = add_registration(s, Person(phone="+52 664 123 4567", email="X@example.org"))
        shared = [
            {"link": "phone", "value": "+526641234567", "n": 3},
            {"link": "email", "value": "x@example.org", "n": 2},
        ]
        store(s, [ring_of([a, b, c], shared)], clock)
    ring = built(world)[0]
    root = svg_of(ring)
    classes = [e.get("class") or "" for e in root.iter()]
    # The phone three share is a hub with an edge to each; the e-mail two share, an edge.
    assert (classes.count("node"), classes.count("hub")) == (3, 1)
    assert classes.count("edge edge-phone") == 3
    assert classes.count("edge edge-email") == 1
    nodes, values = ring.tables
    assert [r[1].text for r in nodes.rows] == sorted([a, b, c])
    assert [(r[0].text, r[1].text, r[3].text, r[4].text) for r in values.rows] == [
        ("A", "Phone", "3", "1, 2, 3"),
        ("", "E-mail", "2", ", ".join(str(sorted([a, b, c]).index(x) + 1) for x in (b, c))),
    ]


def test_a_duplicate_gets_its_variations_side_by_side(world: Database, clock: FrozenClock) -> None:
    with world.session() as s:
        a = add_registration(s, Person(given="Ana"))
        b = add_registration(s, Person(given="Anna"))
        store(s, [duplicate([a, b])], clock)
    person = built(world)[0]
    assert person.variations
    assert person.svg is None
    rows = {r[0].text: r[1:] for r in person.tables[0].rows}
    assert [c.differs for c in rows["Given names"]] == [False, True]
    assert [c.differs for c in rows["Family names"]] == [False, False]
