"""The liveness queue through the API: a saturated vendor is a place and a wait, never an error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.models import Appointment, LivenessCheck, LivenessScan
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.draw.models import Selection
from puerta.faces.models import LiveFaceCheck
from puerta.ports.models import PortDay
from tests.confirmation.vendor_support import World, drawn_vendor_world

VISIT = date(2026, 3, 18)


@pytest.fixture
def world(app_db: Database, settings: Settings, clock: FrozenClock) -> Iterator[World]:
    yield from drawn_vendor_world(app_db, settings, clock)


@pytest.fixture
def small_quota(app_db: Database, settings: Settings, clock: FrozenClock) -> Iterator[World]:
    yield from drawn_vendor_world(app_db, settings, clock, vendor_quota=1)


def test_queue_order_wait_deadline_and_seats(world: World) -> None:
    first = world.confirm(0)
    assert first.status_code == 200, first.text  # a free slot and nobody ahead: at once
    before = [world.deadline(1), world.deadline(2)]

    second, third = world.confirm(1), world.confirm(2)
    assert (second.status_code, third.status_code) == (202, 202), (second.text, third.text)
    assert [second.json()["place"], third.json()["place"]] == [1, 2]
    # the next slot is a second away (the contract's rate), then one more each
    assert [second.json()["wait_seconds"], third.json()["wait_seconds"]] == [1, 2]
    assert second.headers["Retry-After"]
    assert world.deadline(1) == before[0] + timedelta(seconds=1)
    assert world.deadline(2) == before[1] + timedelta(seconds=2)
    again = world.confirm(2, seed=999)  # asking again keeps the place, queues nothing new
    assert (again.status_code, again.json()["place"]) == (202, 2)
    assert world.scan(2).json()["place"] == 2

    # Long past the first deadline: the queued offers are not expired, their seats held.
    world.api.clock.advance(hours=30)
    with world.api.db.session() as s:
        assert (
            confirmation_service.expire_overdue(s, settings=world.settings, clock=world.api.clock)
            == 0
        )
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        assert (ledger.offered, ledger.booked) == (2, 1)
    waited = world.scan(1).json()
    assert datetime.fromisoformat(waited["deadline"]) >= before[0] + timedelta(hours=30)

    report = world.drain()
    assert (report.booked, report.refused) == (2, 0)
    assert world.fake.kept_to_contract
    assert world.fake.counts.rate_limited == 0
    booked = [world.scan(n).json() for n in (1, 2)]
    assert all(len(b["code"]) == 10 for b in booked)
    with world.api.db.read_only() as s:
        order = list(s.scalars(select(Appointment.registration_id).order_by(Appointment.id)))
        assert order == world.rids  # first come, first booked
        assert s.scalar(select(func.count()).where(LivenessScan.image.is_not(None))) == 0
        # Each queued photo, once booked, waits for the officer's face comparison too.
        checked = set(s.scalars(select(LiveFaceCheck.appointment_id)))
        assert checked == set(s.scalars(select(Appointment.id)))
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        assert (ledger.offered, ledger.booked) == (0, 3)
    # The deadline was moved by the whole wait: still ahead of the hour it was resolved.
    assert world.deadline(1) >= before[0] + timedelta(hours=30)


def test_quota_exhausted_is_an_honest_wait_with_seats_held(small_quota: World) -> None:
    world = small_quota
    assert world.confirm(0).status_code == 200
    waiting = world.confirm(1)
    assert waiting.status_code == 202, waiting.text
    assert waiting.json()["quota_exhausted"] is True
    assert waiting.json()["wait_seconds"] is None
    assert world.fake.counts.received == 1
    report = world.drain()
    assert report.paused is not None
    assert report.paused.reason == "quota"
    assert world.scan(1).status_code == 202  # still waiting, at its place
    with world.api.db.read_only() as s:
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        assert ledger.offered == 2
    assert world.fake.counts.received == 1


def test_a_booking_that_fails_leaves_nothing_half_written(world: World) -> None:
    assert world.confirm(0).status_code == 200
    assert world.confirm(1).status_code == 202
    with world.api.db.session() as s:
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        ledger.capacity = 1  # the port lost seats while the photo waited
    assert world.drain().refused == 1
    refused = world.scan(1)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "seats.just_taken"
    with world.api.db.read_only() as s:
        selection = s.scalar(select(Selection).where(Selection.registration_id == world.rids[1]))
        assert selection is not None
        assert selection.status == "offered"
        checks = s.scalar(select(func.count()).where(LivenessCheck.selection_id == selection.id))
        assert checks == 0  # the verdict was rolled back with the booking
        assert s.scalar(select(func.count()).select_from(Appointment)) == 1
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        assert (ledger.offered, ledger.booked) == (2, 1)


def test_a_queued_photo_the_vendor_refuses_is_counted_and_told(world: World) -> None:
    import hashlib

    assert world.confirm(0).status_code == 200
    world.fake.not_live.add(hashlib.sha256(synthetic_portrait(801)).hexdigest())
    assert world.confirm(1).status_code == 202
    assert world.drain().refused == 1
    refused = world.scan(1)
    assert refused.status_code == 422
    assert refused.json()["code"] == "liveness.failed"
    assert "live person" in refused.json()["detail"]
    # a new photo can be sent: a free slot now, so it is checked at once
    world.api.clock.advance(seconds=2)
    assert world.confirm(1, seed=4242).status_code == 200


def test_declining_while_queued_drops_the_photo(world: World) -> None:
    assert world.confirm(0).status_code == 200
    assert world.confirm(1).status_code == 202
    declined = world.api.client.post(
        f"/api/v1/registrations/{world.rids[1]}/selection/decline",
        headers=world.api.auth(world.tokens[1]),
    )
    assert declined.status_code == 204
    with world.api.db.read_only() as s:
        scan = s.scalars(select(LivenessScan)).one()
        assert (scan.status, scan.image) == ("cancelled", None)
    assert world.drain().resolved == 0
    assert world.fake.counts.received == 1


def test_a_vendor_down_on_the_request_queues_instead_of_failing(world: World) -> None:
    world.fake.fail_next(1)
    first = world.confirm(0)  # the one try fails: queued, not an error
    assert first.status_code == 202, first.text
    assert world.drain().booked == 1
    assert world.scan(0).status_code == 200
