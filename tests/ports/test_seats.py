"""The seat ledger's guarded UPDATEs, both backends: an impossible move changes nothing, raises."""

from __future__ import annotations

from datetime import date

import pytest

from puerta.config import Settings
from puerta.db import Database
from puerta.errors import SeatsNotReleased
from puerta.ports import service as ports_service
from puerta.ports.models import PortDay

DAY = date(2026, 3, 18)


@pytest.fixture
def ledger_db(db: Database, settings: Settings) -> Database:
    """SYS on DAY with 3 seats offered and 2 booked."""
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
        ports_service.port_day(s, ports_service.get_port(s, "SYS"), DAY)
        ports_service.hold_seats(s, "SYS", DAY, 5)
        ports_service.book_held_seats(s, "SYS", DAY, 2)
    return db


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        ledger = s.get(PortDay, ("SYS", DAY))
        assert ledger is not None
        return ledger.offered, ledger.booked


def test_release_gives_seats_back(ledger_db: Database) -> None:
    with ledger_db.session() as s:
        ports_service.release_seats(s, "SYS", DAY, 3, booked=False)
        ports_service.release_seats(s, "SYS", DAY, 2, booked=True)
    assert _counts(ledger_db) == (0, 0)


@pytest.mark.parametrize(
    ("port_code", "day", "seats", "booked"),
    [
        ("SYS", DAY, 4, False),  # more than offered
        ("SYS", DAY, 3, True),  # more than booked
        ("SYS", date(2026, 3, 19), 1, False),  # no ledger for that day
        ("ZZZ", DAY, 1, True),  # no such port
    ],
)
def test_impossible_release_raises_and_changes_nothing(
    ledger_db: Database, port_code: str, day: date, seats: int, booked: bool
) -> None:
    with pytest.raises(SeatsNotReleased), ledger_db.session() as s:
        ports_service.release_seats(s, port_code, day, seats, booked=booked)
    assert _counts(ledger_db) == (3, 2)
