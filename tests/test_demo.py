"""The demo world: at any hour a newcomer finds an appointment, an offer to confirm,
and draws that verify without a warning; ``draw_now`` draws on demand, on a demo store only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from puerta import demo
from puerta.accounts.models import User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation.models import Appointment
from puerta.db import Database
from puerta.draw import publication
from puerta.draw.models import Draw, Selection
from puerta.errors import NotADemoStore, WindowClosed
from puerta.lifecycle import AppointmentStatus, SelectionStatus
from puerta.ports import service as ports_service
from puerta.registration.models import Registration
from puerta.registration.photos import FileSystemPhotoStore

#: Hours in New York (December: EST, UTC-5), where the window runs 12:00 to 11:00.
HOURS = {
    "09:00 before the close": datetime(2026, 12, 2, 14, 0, tzinfo=UTC),
    "10:30 after yesterday's deadline": datetime(2026, 12, 2, 15, 30, tzinfo=UTC),
    "11:30 the draw hour": datetime(2026, 12, 2, 16, 30, tzinfo=UTC),
    "15:00 the window open": datetime(2026, 12, 2, 20, 0, tzinfo=UTC),
}


def _load(db: Database, settings: Settings, now: datetime, tmp_path: Path) -> FrozenClock:
    clock = FrozenClock(now)
    with db.session() as s:
        demo.load(s, settings=settings, clock=clock, store=FileSystemPhotoStore(tmp_path))
    return clock


@pytest.mark.parametrize("hour", sorted(HOURS))
def test_the_demo_applicant_has_an_appointment_and_an_open_offer_at_any_hour(
    db: Database, settings: Settings, tmp_path: Path, hour: str
) -> None:
    now = HOURS[hour]
    _load(db, settings, now, tmp_path)
    with db.read_only() as s:
        owner = s.scalar(select(User).where(User.email == demo.APPLICANT_EMAIL))
        assert owner is not None
        mine = list(s.scalars(select(Registration.id).where(Registration.owner_id == owner.id)))
        booked = s.scalars(
            select(Appointment).where(
                Appointment.registration_id.in_(mine),
                Appointment.status == AppointmentStatus.BOOKED.value,
            )
        ).all()
        offers = s.scalars(
            select(Selection).where(
                Selection.registration_id.in_(mine),
                Selection.status == SelectionStatus.OFFERED.value,
            )
        ).all()
        assert len(booked) == 1
        assert len(offers) == 1
        assert offers[0].deadline > now
        drawn = s.scalar(select(Draw.pool_date))
        assert drawn is not None
        checked = publication.verify_day(s, drawn)
    assert checked.ok, checked.problems
    assert checked.warnings == []


def test_a_demo_draw_on_demand_verifies_and_is_refused_elsewhere(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    clock = _load(db, settings, HOURS["15:00 the window open"], tmp_path)
    with db.session() as s:
        done = demo.draw_now(s, settings=settings, clock=clock)
    assert done.pool_date == datetime(2026, 12, 3).date()  # the window that closes tomorrow
    with db.read_only() as s:
        checked = publication.verify_day(s, done.pool_date)
    assert checked.ok, checked.problems
    assert checked.warnings == []
    shut = FrozenClock(HOURS["11:30 the draw hour"])
    with db.session() as s, pytest.raises(WindowClosed):
        demo.draw_now(s, settings=settings, clock=shut)


def test_a_store_that_is_not_a_demo_is_never_drawn_early(db: Database, settings: Settings) -> None:
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
        clock = FrozenClock(HOURS["15:00 the window open"])
        publication.commit_upcoming(s, settings=settings, clock=clock)
        with pytest.raises(NotADemoStore):
            demo.draw_now(s, settings=settings, clock=clock)
        assert s.scalar(select(Draw.id)) is None  # the real draw is the scheduler's, at close
