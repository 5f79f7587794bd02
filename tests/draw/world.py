"""Build small pools through the services, with travelers named as the test needs."""

from __future__ import annotations

from datetime import date
from itertools import count

from puerta.accounts.models import User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.journey import requesting
from puerta.ports import service as ports_service
from puerta.registration import service as registration_service
from puerta.registration.photos import FileSystemPhotoStore, check_photo
from puerta.registration.schemas import RegistrationIn, TravelerIn
from puerta.requests.schemas import RequestIn

POOL_DAY = date(2026, 3, 4)
_n = count()


def person(given: str, family: str = "Morales Pérez", born: date = date(1990, 5, 17)) -> TravelerIn:
    return TravelerIn(
        given_names=given,
        family_names=family,
        date_of_birth=born,
        sex="F",
        country_of_birth="VE",
        citizenship="VE",
        language="es",
        address_line1="1 Main St",
        city="Austin",
        state="TX",
    )


def registration(
    db: Database, settings: Settings, clock: FrozenClock, travelers: list[TravelerIn]
) -> str:
    """A complete registration of a new owner, made at ``clock.now()``; its id."""
    store = FileSystemPhotoStore(settings.photo_dir)
    n = next(_n)
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
        owner = User(
            email=f"world{n}@example.org",
            password_hash="!",
            created_at=clock.now(),
            email_verified_at=clock.now(),
        )
        s.add(owner)
        s.flush()
        reg = registration_service.create(
            s, owner=owner, data=RegistrationIn(travelers=travelers), settings=settings, clock=clock
        )
        for t in reg.travelers:
            registration_service.set_photo(
                s,
                registration=reg,
                position=t.position,
                checked=check_photo(
                    synthetic_portrait(n * 100 + t.position), max_bytes=settings.photo_max_bytes
                ),
                store=store,
                clock=clock,
            )
        return reg.id


def ask(db: Database, settings: Settings, clock: FrozenClock, rid: str, port: str = "SYS") -> int:
    """Join the open window's pool at ``port``; the request id."""
    with db.session() as s:
        reg = registration_service.get_owned(
            s, registration_id=rid, owner=s.get(User, _owner_id(s, rid))
        )
        req = requesting.request_appointment(
            s,
            registration=reg,
            data=RequestIn(port_code=port, latitude=32.51, longitude=-117.03),
            settings=settings,
            clock=clock,
        )
        s.flush()
        return req.id


def _owner_id(s, rid: str) -> int:  # type: ignore[no-untyped-def]
    from puerta.registration.models import Registration

    reg = s.get(Registration, rid)
    assert reg is not None
    return reg.owner_id
