"""A drawn world for the confirmation tests, built with the draw tests' world."""

from __future__ import annotations

from datetime import date, timedelta

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.draw import service as draw_service
from tests.draw.world import POOL_DAY, ask, person, registration


def drawn_world(db: Database, settings: Settings, clock: FrozenClock, groups: list[int]) -> None:
    """One registration per group size, all requesting SYS today, then the draw."""
    for n, size in enumerate(groups):
        travelers = [
            person(f"Traveler {n * 10 + i}", "Example", date(1990, 1, 1 + (n * 10 + i) % 28))
            for i in range(size)
        ]
        ask(db, settings, clock, registration(db, settings, clock, travelers))
    clock.advance(hours=1, minutes=5)
    with db.session() as s:
        draw_service.run_draw(s, pool_date=POOL_DAY, settings=settings, clock=clock)
    assert POOL_DAY + timedelta(days=settings.appointment_lead_days) == date(2026, 3, 18)
