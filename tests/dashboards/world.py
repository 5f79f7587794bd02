"""A small known world for the dashboards, built through the services where they exist.

Two ports (SYS and CXL, two seats each), one pool day (Wednesday 2026-03-04):

- ``a``: two travelers (``es``, ``es-MX``), made 21:00 New York on the 3rd (02:00 UTC on
  the 4th: the day is the local one), asks at SYS, selected (oldest first), confirmed,
  booked for the 5th (the draw's lead is one day);
- ``b``: three travelers (``qu``: no catalog), 09:00 on the 4th, asks at SYS, larger than
  its seats (not selected);
- ``c``: one traveler (``en``), 09:30, asks at CXL, selected, declines;
- ``d``: one traveler (``pt``: served by ``pt_BR``), 10:00, asks for nothing.

Findings: an address cluster (new) touching ``a``, first seen on the 4th; a duplicate
person (dismissed) touching ``c``'s registration, first seen on Monday the 2nd.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from puerta import lifecycle
from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role
from puerta.arrivals import checkin
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation.models import Appointment
from puerta.db import Database
from puerta.draw import service as draw_service
from puerta.draw.models import Selection
from puerta.findings.models import Finding, FindingTraveler
from puerta.lifecycle import SelectionStatus
from tests.draw.world import POOL_DAY, ask, person, registration

TODAY = date(2026, 3, 7)


@dataclass(frozen=True)
class World:
    a: str
    b: str
    c: str
    d: str


def _at(hour_utc: datetime) -> FrozenClock:
    return FrozenClock(hour_utc)


def build(db: Database, settings: Settings) -> World:
    settings.port_shares = {"SYS": 0.5, "CXL": 0.5}
    settings.daily_capacity = 4
    settings.seniority_share = 1.0  # oldest first: deterministic
    settings.appointment_lead_days = 1  # drawn on the 4th for the 5th
    a = registration(
        db,
        settings,
        _at(datetime(2026, 3, 4, 2, 0, tzinfo=UTC)),
        [
            person("Ana"),
            person("Bea", born=date(1992, 1, 2)).model_copy(update={"language": "es-MX"}),
        ],
    )
    q = {"language": "qu"}
    b = registration(
        db,
        settings,
        _at(datetime(2026, 3, 4, 14, 0, tzinfo=UTC)),
        [
            person("Cusi", family="Mamani").model_copy(update=q),
            person("Illa", family="Mamani", born=date(1993, 3, 3)).model_copy(update=q),
            person("Sami", family="Mamani", born=date(2015, 4, 4)).model_copy(update=q),
        ],
    )
    c = registration(
        db,
        settings,
        _at(datetime(2026, 3, 4, 14, 30, tzinfo=UTC)),
        [person("Dan", family="Smith").model_copy(update={"language": "en"})],
    )
    d = registration(
        db,
        settings,
        _at(datetime(2026, 3, 4, 15, 0, tzinfo=UTC)),
        [person("Eva", family="Souza").model_copy(update={"language": "pt"})],
    )
    asking = _at(datetime(2026, 3, 4, 15, 10, tzinfo=UTC))  # 10:10 New York: the window is open
    ask(db, settings, asking, a, "SYS")
    ask(db, settings, asking, b, "SYS")
    ask(db, settings, asking, c, "CXL")
    drawing = _at(datetime(2026, 3, 4, 16, 5, tzinfo=UTC))
    with db.session() as s:
        draw_service.run_draw(s, pool_date=POOL_DAY, settings=settings, clock=drawing)
    with db.session() as s:
        chosen = {x.registration_id: x for x in s.scalars(select(Selection))}
        assert set(chosen) == {a, c}, chosen
        lifecycle.move(chosen[a], SelectionStatus.CONFIRMED)
        lifecycle.move(chosen[c], SelectionStatus.DECLINED)
        s.add(
            Appointment(
                selection_id=chosen[a].id,
                registration_id=a,
                port_code="SYS",
                day=chosen[a].appointment_date,
                slot_start=time(9, 0),
                seats=2,
                code="DASHAAAA",
                created_at=drawing.now(),
            )
        )
        for kind, status, seen, rid in (
            ("address_cluster", "new", datetime(2026, 3, 4, 17, tzinfo=UTC), a),
            ("duplicate_person", "dismissed", datetime(2026, 3, 2, 6, tzinfo=UTC), c),
        ):
            finding = Finding(
                key=f"{kind}:world",
                kind=kind,
                score=0.9,
                status=status,
                first_seen_at=seen,
                last_seen_at=seen,
                updated_at=seen,
            )
            s.add(finding)
            s.flush()
            s.add(FindingTraveler(finding_id=finding.id, registration_id=rid, position=1))
    return World(a, b, c, d)


def check_in(db: Database) -> None:
    """The SYS officer checks ``a``'s group in at the limit line on the 5th."""
    at = FrozenClock(datetime(2026, 3, 5, 16, 0, tzinfo=UTC))
    with db.session() as s:
        officer = accounts_service.create_staff(
            s,
            email="officer@sys.example",
            password="officer pass 1",
            role=Role.OFFICER,
            port_code="SYS",
            clock=at,
        )
        appointment = s.scalar(select(Appointment).where(Appointment.code == "DASHAAAA"))
        assert appointment is not None
        checkin.check_in(s, appointment=appointment, officer=officer, clock=at)
