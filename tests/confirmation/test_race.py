"""Two confirmations racing for the last seats of a port-day never overbook."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.liveness import LocalLivenessProvider
from puerta.confirmation.models import LivenessCheck
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.draw.models import Selection
from puerta.errors import LivenessFailed, OfferExpired, SeatsJustTaken
from puerta.ports.models import PortDay
from tests.confirmation.helpers import drawn_world

VISIT = date(2026, 3, 18)


@pytest.mark.committing  # two threads, two connections: each must see the other's commit
def test_concurrent_confirmations_for_the_last_seats(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    drawn_world(db, settings, clock, groups=[2, 2])
    with db.session() as s:
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        assert ledger.offered == 4
        ledger.capacity = 3  # the port lost a seat after the draw: only one group fits now
        ids = list(s.scalars(select(Selection.id).order_by(Selection.id)))

    barrier = threading.Barrier(len(ids))
    outcomes: dict[int, str] = {}
    provider = LocalLivenessProvider(settings.photo_max_bytes)

    def confirm(selection_id: int) -> None:
        # PostgreSQL: both transactions are open and have read the offer before
        # either writes. SQLite serialises writers at BEGIN, so they meet before it.
        if not db.is_postgres:
            barrier.wait(timeout=10)
        try:
            with db.session() as s:
                selection = s.get(Selection, selection_id)
                assert selection is not None
                if db.is_postgres:
                    barrier.wait(timeout=10)
                confirmation_service.confirm(
                    s,
                    selection=selection,
                    live_photo=synthetic_portrait(7000 + selection_id),
                    latitude=32.51,
                    longitude=-117.03,
                    provider=provider,
                    settings=settings,
                    clock=clock,
                )
                outcomes[selection_id] = "booked"
        except SeatsJustTaken:
            outcomes[selection_id] = "no seats"

    threads = [threading.Thread(target=confirm, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["booked", "no seats"]
    with db.session() as s:
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        assert ledger.booked == 2 <= ledger.capacity


def test_expired_offer_returns_seats_and_refuses_confirmation(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    drawn_world(db, settings, clock, groups=[3])
    clock.advance(hours=settings.confirm_hours, seconds=1)
    with db.session() as s:
        assert confirmation_service.expire_overdue(s, settings=settings, clock=clock) == 1
    with db.session() as s:
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        assert ledger.offered == 0
        selection = s.scalars(select(Selection)).one()
        assert selection.status == "expired"


def test_one_extension_only(db: Database, settings: Settings, clock: FrozenClock) -> None:
    from puerta.errors import ExtensionUsed

    drawn_world(db, settings, clock, groups=[1])
    with db.session() as s:
        selection = s.scalars(select(Selection)).one()
        first_deadline = selection.deadline
        confirmation_service.extend(s, selection=selection, settings=settings, clock=clock)
        assert selection.deadline == first_deadline + timedelta(hours=settings.extension_hours)
        with pytest.raises(ExtensionUsed):
            confirmation_service.extend(s, selection=selection, settings=settings, clock=clock)
    # After the first deadline, the extension keeps the offer alive.
    clock.advance(hours=settings.confirm_hours + 1)
    with db.session() as s:
        assert confirmation_service.expire_overdue(s, settings=settings, clock=clock) == 0


def test_replayed_live_photo_is_refused_and_recorded(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    drawn_world(db, settings, clock, groups=[1, 1])
    provider = LocalLivenessProvider(settings.photo_max_bytes)
    photo = synthetic_portrait(31337)
    with db.session() as s:
        ids = list(s.scalars(select(Selection.id).order_by(Selection.id)))

    def confirm(selection_id: int) -> None:
        with db.session() as s:
            selection = s.get(Selection, selection_id)
            assert selection is not None
            confirmation_service.confirm(
                s,
                selection=selection,
                live_photo=photo,
                latitude=32.51,
                longitude=-117.03,
                provider=provider,
                settings=settings,
                clock=clock,
            )

    confirm(ids[0])
    with pytest.raises(LivenessFailed) as refused:
        confirm(ids[1])
    assert refused.value.params["reason"].code == "liveness.replayed"
    # The refusal kept its record although the unit of work ended in an error.
    with db.session() as s:
        checks = s.scalars(select(LivenessCheck).order_by(LivenessCheck.id)).all()
        assert [(c.passed, c.reason) for c in checks] == [
            (True, "liveness.accepted"),
            (False, "liveness.replayed"),
        ]


def test_confirming_after_the_deadline_releases_the_seats_it_says_it_released(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    """The refusal says the seats went back to the pool: the store must agree (issue 9)."""
    drawn_world(db, settings, clock, groups=[2])
    clock.advance(hours=settings.confirm_hours, seconds=1)
    with db.session() as s:
        selection = s.scalars(select(Selection)).one()
        with pytest.raises(OfferExpired):
            confirmation_service.confirm(
                s,
                selection=selection,
                live_photo=synthetic_portrait(4242),
                latitude=32.51,
                longitude=-117.03,
                provider=LocalLivenessProvider(settings.photo_max_bytes),
                settings=settings,
                clock=clock,
            )
    with db.session() as s:
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        assert ledger.offered == 0
        assert s.scalars(select(Selection.status)).one() == "expired"
