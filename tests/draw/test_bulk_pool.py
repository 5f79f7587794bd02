"""The pool read and answered column-wise (issue 10's daily draw at a million requests).

Both ways a pool gets drawn store the same rows: closed by the draw itself
(its requests written once, public id and answer together) or closed
earlier (public ids stored then, answers by the draw). Objects the session
already holds read the stored values back.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import select

from puerta import frames
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.draw import commitment as cm
from puerta.draw import publication
from puerta.draw import service as draw_service
from puerta.draw.models import DrawReview, Selection
from puerta.lifecycle import RegistrationStatus, RequestStatus
from puerta.registration.models import Registration
from puerta.requests.models import AppointmentRequest
from tests.draw.world import POOL_DAY, ask, person, registration


def _world(db: Database, settings: Settings, clock: FrozenClock) -> dict[str, int]:
    """Six requests at one port with three seats: singles, a duplicate, a family;
    one registration withdrawn after asking (pooled, but out of the pool)."""
    settings.daily_capacity = 3
    settings.port_shares = {"SYS": 1.0}
    ana = person("Ana")
    regs = {
        "ana": registration(db, settings, clock, [ana]),
        "ana again": registration(db, settings, clock, [ana]),
        "bo": registration(db, settings, clock, [person("Bo", born=date(1980, 1, 2))]),
        "family": registration(
            db, settings, clock, [person(n, family="Pierre") for n in ("Jean", "Marie")]
        ),
        "cy": registration(db, settings, clock, [person("Cy", born=date(1970, 3, 4))]),
        "gone": registration(db, settings, clock, [person("Di", born=date(1960, 5, 6))]),
    }
    ids = {name: ask(db, settings, clock, rid) for name, rid in regs.items()}
    with db.session() as s:
        gone = s.get(Registration, regs["gone"])
        assert gone is not None
        gone.status = RegistrationStatus.WITHDRAWN.value
    return ids


@pytest.mark.parametrize("closed_first", [False, True], ids=["closed-by-the-draw", "closed-first"])
def test_every_request_is_answered_with_its_public_id(
    db: Database, settings: Settings, clock: FrozenClock, closed_first: bool
) -> None:
    ids = _world(db, settings, clock)
    clock.advance(hours=1, minutes=5)
    with db.session() as s:
        held = s.get(AppointmentRequest, ids["bo"])  # an object the session already holds
        assert held is not None
        assert held.public_id is None
        timings: dict[str, float] = {}
        if closed_first:
            publication.close_pool(
                s, pool_date=POOL_DAY, settings=settings, clock=clock, timings=timings
            )
            assert held.public_id is not None  # stored at close
        draw = draw_service.run_draw(
            s, pool_date=POOL_DAY, settings=settings, clock=clock, timings=timings
        )
        key = publication.entrant_key(settings)
        assert held.public_id == cm.public_id(key, POOL_DAY, held.id)
        assert held.status in {RequestStatus.SELECTED.value, RequestStatus.NOT_SELECTED.value}
        steps = {"load", "public ids", "persons", "publish", "reviews", "draw", "offers"}
        steps.add("notices")
        assert set(timings) == steps | ({"requests"} if closed_first else set())
    with db.session() as s:
        rows = {r.id: r for r in s.scalars(select(AppointmentRequest))}
        chosen = set(s.scalars(select(Selection.request_id).where(Selection.draw_id == draw.id)))
        reviews = {(r.request_id, r.into_request_id) for r in s.scalars(select(DrawReview))}
        assert publication.verify_day(s, POOL_DAY).ok
    for name, rid in ids.items():
        row = rows[rid]
        if name == "gone":  # not in the pool: no public id, but answered all the same
            assert row.public_id is None
            assert row.status == RequestStatus.NOT_SELECTED.value
            continue
        assert row.public_id == cm.public_id(key, POOL_DAY, rid)
        want = RequestStatus.SELECTED if rid in chosen else RequestStatus.NOT_SELECTED
        assert row.status == want.value, name
    assert ids["ana again"] not in chosen
    assert reviews == {(ids["ana again"], ids["ana"])}
    assert draw.seats_offered == 3
    assert draw.pool_size == 5


def test_a_pool_is_read_as_typed_frames_and_written_back_by_id(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    ids = _world(db, settings, clock)
    with db.session() as s:
        t = AppointmentRequest.__table__
        got = frames.frame(
            s,
            select(
                t.c.id,
                t.c.registration_id,
                t.c.priority,
                t.c.pool_date,
                frames.instant(s, t.c.created_at).label("created_at"),
            ).where(t.c.id.in_(list(ids.values()))),
            {
                "id": pl.Int64,
                "registration_id": pl.Utf8,
                "priority": pl.Boolean,
                "pool_date": pl.Date,
                "created_at": frames.INSTANT,
            },
        ).sort("id")
        orm = sorted(s.scalars(select(AppointmentRequest)), key=lambda r: r.id)
        assert got.rows() == [
            (r.id, r.registration_id, r.priority, r.pool_date, r.created_at) for r in orm
        ]
        assert got.schema["created_at"] == pl.Datetime("us", "UTC")
        empty = frames.frame(s, select(t.c.id).where(t.c.id < 0), {"id": pl.Int64})
        assert empty.height == 0
        assert empty.schema == {"id": pl.Int64}
        first, second = orm[0].id, orm[1].id
        s.get(AppointmentRequest, second).status = RequestStatus.WITHDRAWN.value  # type: ignore[union-attr]
        s.flush()
        frames.update_by_id(
            s,
            t,
            pl.DataFrame(
                {"id": [first, second], "public_id": ["p1", "p2"], "priority": [True, False]}
            ),
            replace={"status": (RequestStatus.POOLED.value, RequestStatus.NOT_SELECTED.value)},
        )
        s.expire_all()
        one, two = s.get(AppointmentRequest, first), s.get(AppointmentRequest, second)
        assert one is not None
        assert two is not None
        assert (one.public_id, one.priority, one.status) == ("p1", True, "not_selected")
        assert (two.public_id, two.priority, two.status) == ("p2", False, "withdrawn")


def test_public_ids_in_bulk_are_the_published_ones() -> None:
    day = date(2026, 3, 4)
    assert cm.public_ids(b"secret", day, [1, 2, 10**9]) == [
        cm.public_id(b"secret", day, n) for n in (1, 2, 10**9)
    ]
    assert cm.public_ids(b"secret", day, []) == []


def test_timed_adds_seconds_and_ignores_none() -> None:
    timings: dict[str, float] = {}
    with publication.timed(timings, "step"):
        pass
    with publication.timed(timings, "step"):
        pass
    with publication.timed(None, "step"):
        pass
    assert set(timings) == {"step"}
    assert timings["step"] >= 0
