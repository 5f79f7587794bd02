"""Build a drawn world through the services: registrations, requests, a draw."""

from __future__ import annotations

from datetime import date, timedelta

from puerta.accounts.models import User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.draw import service as draw_service
from puerta.ports import service as ports_service
from puerta.registration import service as registration_service
from puerta.registration.photos import FileSystemPhotoStore
from puerta.registration.schemas import RegistrationIn, TravelerIn
from puerta.requests import service as requests_service
from puerta.requests.schemas import RequestIn

POOL_DAY = date(2026, 3, 4)


def traveler(i: int) -> TravelerIn:
    return TravelerIn(
        given_names=f"Traveler {i}",
        family_names="Example",
        date_of_birth=date(1990, 1, 1 + i % 28),
        sex="X",
        country_of_birth="MX",
        citizenship="MX",
        language="es",
        address_line1="1 Main St",
        city="Austin",
        state="TX",
    )


def drawn_world(db: Database, settings: Settings, clock: FrozenClock, groups: list[int]) -> None:
    """One registration per group size, all requesting SYS today, then the draw."""
    store = FileSystemPhotoStore(settings.photo_dir)
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
        for n, size in enumerate(groups):
            owner = User(
                email=f"owner{n}@example.org",
                password_hash="!",
                created_at=clock.now(),
                email_verified_at=clock.now(),
            )
            s.add(owner)
            s.flush()
            reg = registration_service.create(
                s,
                owner=owner,
                data=RegistrationIn(travelers=[traveler(n * 10 + i) for i in range(size)]),
                settings=settings,
                clock=clock,
            )
            for t in reg.travelers:
                registration_service.set_photo(
                    s,
                    registration=reg,
                    position=t.position,
                    data=synthetic_portrait(n * 100 + t.position),
                    store=store,
                    settings=settings,
                    clock=clock,
                )
            requests_service.request_appointment(
                s,
                registration=reg,
                data=RequestIn(port_code="SYS", latitude=32.51, longitude=-117.03),
                settings=settings,
                clock=clock,
            )
    clock.advance(hours=1, minutes=5)
    with db.session() as s:
        draw_service.run_draw(s, pool_date=POOL_DAY, settings=settings, clock=clock)
    assert POOL_DAY + timedelta(days=settings.appointment_lead_days) == date(2026, 3, 18)
