"""A port's day for the check-in and disposition tests: a booked group of two at San
Ysidro, its officer, an officer of another port, and a cancelled appointment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from puerta.accounts.models import Role, User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation.models import Appointment
from puerta.db import Database
from tests.draw.world import person, registration

DAY = date(2026, 3, 4)
#: 10:00 in San Ysidro on the day: the port is open.
OPEN = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
#: 19:00 in San Ysidro (PST, UTC-8): the appointment hours have just ended.
CLOSED = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class PortDay:
    code: str
    cancelled_code: str
    registration_id: str
    officer_id: int
    other_officer_id: int
    analyst_id: int

    def appointment(self, s: Session, code: str | None = None) -> Appointment:
        from sqlalchemy import select

        found = s.scalar(select(Appointment).where(Appointment.code == (code or self.code)))
        assert found is not None
        return found

    def officer(self, s: Session) -> User:
        user = s.get(User, self.officer_id)
        assert user is not None
        return user

    def other_officer(self, s: Session) -> User:
        user = s.get(User, self.other_officer_id)
        assert user is not None
        return user

    def analyst(self, s: Session) -> User:
        user = s.get(User, self.analyst_id)
        assert user is not None
        return user


def _staff(s: Session, email: str, role: Role, port: str | None, clock: FrozenClock) -> int:
    user = User(
        email=email,
        password_hash="!",
        role=role.value,
        port_code=port,
        created_at=clock.now(),
        email_verified_at=clock.now(),
    )
    s.add(user)
    s.flush()
    return user.id


def book(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    *,
    code: str,
    port: str = "SYS",
    day: date = DAY,
    status: str = "booked",
    travelers: int = 2,
) -> str:
    """A registration of ``travelers`` with an appointment ``code``; its id."""
    people = [person(f"Ana {i}") for i in range(travelers)]
    rid = registration(db, settings, clock, people)
    with db.session() as s:
        s.add(
            Appointment(
                registration_id=rid,
                port_code=port,
                day=day,
                slot_start=time(8, 0),
                seats=travelers,
                code=code,
                status=status,
                created_at=clock.now(),
            )
        )
    return rid


def port_day(db: Database, settings: Settings, clock: FrozenClock) -> PortDay:
    rid = book(db, settings, clock, code="SYSA000001")
    book(db, settings, clock, code="SYSC000001", status="cancelled", travelers=1)
    with db.session() as s:
        officer = _staff(s, "officer@sys.example", Role.OFFICER, "SYS", clock)
        other = _staff(s, "officer@elp.example", Role.OFFICER, "ELP", clock)
        analyst = _staff(s, "analyst@example.org", Role.ANALYST, None, clock)
    return PortDay("SYSA000001", "SYSC000001", rid, officer, other, analyst)
