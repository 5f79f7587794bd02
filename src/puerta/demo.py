"""A small demo world for ``make run``: ports, one officer per port, an analyst,
a demo applicant, and a past draw whose appointments the officers can see.

Everything here is synthetic. Loading twice changes nothing.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.accounts import passwords
from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role, User
from puerta.clock import Clock, FrozenClock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.liveness import LocalLivenessProvider
from puerta.draw import publication as draw_publication
from puerta.draw import service as draw_service
from puerta.draw.models import Draw, Selection
from puerta.journey import requesting
from puerta.ports import service as ports_service
from puerta.registration import service as registration_service
from puerta.registration.photos import PhotoStore, check_photo
from puerta.registration.schemas import RegistrationIn, TravelerIn
from puerta.requests import service as requests_service
from puerta.requests.schemas import RequestIn

APPLICANT_EMAIL = "applicant@demo.puerta.test"
APPLICANT_PASSWORD = "demo-applicant-2026"  # noqa: S105 - public demo credential
STAFF_PASSWORD = "demo-officer-2026"  # noqa: S105 - public demo credential
ANALYST_EMAIL = "analyst@demo.puerta.test"
TIJUANA = (32.5149, -117.0382)

GIVEN = ["María José", "Luis Alberto", "Wideline", "Jean Robert", "Aleksandr", "Ana Lucía"]
FAMILY = [
    "García López",
    "Pierre",
    "Ivanov",
    "Hernández Ruiz",
    "Joseph",
    "Morales",
    "Petrosyan",
    "Castillo Vega",
    "Louis",
    "Ramírez",
    "Sokolova",
    "Díaz Mejía",
]
CITIZENSHIP = ["MX", "HT", "RU", "VE", "HT", "CO"]
LANGUAGE = ["es", "ht", "ru", "es", "ht", "es"]


@dataclass
class DemoSummary:
    created: bool
    applicant: tuple[str, str]
    officers: list[tuple[str, str, str]] = field(default_factory=list)
    analyst: tuple[str, str] = ("", "")
    appointment_day: date | None = None


def synthetic_portrait(seed: int, size: tuple[int, int] = (360, 480)) -> bytes:
    """A made-up 'portrait' (shapes, not a face): unique bytes per seed."""
    rng = random.Random(seed)
    img = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.ellipse((w * 0.25, h * 0.15, w * 0.75, h * 0.6), fill=(224, 188, 150))
    draw.rectangle((w * 0.15, h * 0.65, w * 0.85, h), fill=tuple(rng.randrange(256) for _ in "rgb"))
    draw.text((10, 10), f"synthetic #{seed}", fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


#: The planted pattern of the demo: half the families of yesterday's pool give one
#: small house, so the trend analysis flags it on the officers' arrivals.
SHARED_HOUSE = "4127 Elm Street"


def _traveler(i: int, family: int, rng: random.Random, address: str | None = None) -> TravelerIn:
    """Traveler ``i`` of a family: a family shares its surname, as families do."""
    k = (family + i) % len(GIVEN)
    return TravelerIn(
        given_names=GIVEN[k],
        family_names=FAMILY[family % len(FAMILY)],
        date_of_birth=date(1975 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        sex=rng.choice(["F", "M"]),
        country_of_birth=CITIZENSHIP[k],
        citizenship=CITIZENSHIP[k],
        language=LANGUAGE[k],
        phone=f"+52 664 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
        address_line1=address or f"{rng.randrange(100, 9999)} Elm Street",
        city="Houston",
        state="TX",
        zip_code="77002",
    )


@lru_cache(maxsize=1)
def _applicant_hash() -> str:
    return passwords.hash_password(APPLICANT_PASSWORD)  # argon2 is slow on purpose: hash once


def _applicant(session: Session, email: str, clock: Clock) -> User:
    user = User(
        email=email,
        password_hash=_applicant_hash(),
        role=Role.APPLICANT.value,
        created_at=clock.now(),
        email_verified_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def _registration(
    session: Session,
    owner: User,
    size: int,
    seed: int,
    *,
    settings: Settings,
    clock: Clock,
    store: PhotoStore,
    address: str | None = None,
):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    data = RegistrationIn(
        travelers=[_traveler(i, seed, rng, address) for i in range(size)],
        device_id=f"demo-device-{seed}",
        form_seconds=300 + rng.randrange(600),
    )
    registration = registration_service.create(
        session, owner=owner, data=data, settings=settings, clock=clock
    )
    for t in registration.travelers:
        registration_service.set_photo(
            session,
            registration=registration,
            position=t.position,
            checked=check_photo(
                synthetic_portrait(seed * 100 + t.position), max_bytes=settings.photo_max_bytes
            ),
            store=store,
            clock=clock,
        )
    return registration


def load(session: Session, *, settings: Settings, clock: Clock, store: PhotoStore) -> DemoSummary:
    ports = ports_service.ensure_ports(session, settings)
    officers = [
        (f"officer.{p.code.lower()}@demo.puerta.test", STAFF_PASSWORD, p.code) for p in ports
    ]
    summary = DemoSummary(
        False, (APPLICANT_EMAIL, APPLICANT_PASSWORD), officers, (ANALYST_EMAIL, STAFF_PASSWORD)
    )
    if accounts_service.find_user(session, APPLICANT_EMAIL) is not None:
        last = session.scalar(select(Draw).order_by(Draw.pool_date.desc()).limit(1))
        summary.appointment_day = last.appointment_date if last else None
        return summary
    summary.created = True
    for email, password, code in officers:
        accounts_service.create_staff(
            session, email=email, password=password, role=Role.OFFICER, port_code=code, clock=clock
        )
    accounts_service.create_staff(
        session,
        email=ANALYST_EMAIL,
        password=STAFF_PASSWORD,
        role=Role.ANALYST,
        port_code=None,
        clock=clock,
    )

    # Yesterday's window: a handful of applicants asked, the draw ran, most confirmed.
    now = clock.now()
    window = requests_service.window_from(settings)
    yesterday = (now - timedelta(days=1)).astimezone(window.zone).date()
    past = FrozenClock(window.closes_at(yesterday) - timedelta(hours=3))
    # The seed commitment was published before that window opened, as the scheduler does.
    before = FrozenClock(draw_publication.window_opens_at(window, yesterday) - timedelta(minutes=5))
    draw_publication.commit(
        session, pool_date=yesterday, settings=settings, clock=before, seed=b"puerta-demo"
    )
    owner = _applicant(session, APPLICANT_EMAIL, past)
    _registration(session, owner, 2, 1, settings=settings, clock=past, store=store)
    codes = [p.code for p in ports]
    for n in range(24):
        other = _applicant(session, f"family{n}@demo.puerta.test", past)
        reg = _registration(
            session,
            other,
            1 + n % 4,
            10 + n,
            settings=settings,
            clock=past,
            store=store,
            address=SHARED_HOUSE if n % 2 == 0 else None,
        )
        requesting.request_appointment(
            session,
            registration=reg,
            data=RequestIn(
                port_code=codes[n % len(codes)], latitude=TIJUANA[0], longitude=TIJUANA[1]
            ),
            settings=settings,
            clock=past,
        )
    after = FrozenClock(window.closes_at(yesterday) + timedelta(minutes=5))
    draw = draw_service.run_draw(
        session, pool_date=yesterday, settings=settings, clock=after, seed=b"puerta-demo"
    )
    provider = LocalLivenessProvider(settings.photo_max_bytes)
    for i, selection in enumerate(
        session.scalars(
            select(Selection).where(Selection.draw_id == draw.id).order_by(Selection.id)
        )
    ):
        if i % 5 == 4:
            continue  # left to confirm, so the demo shows a pending selection too
        confirmation_service.confirm(
            session,
            selection=selection,
            live_photo=synthetic_portrait(10_000 + selection.id),
            latitude=TIJUANA[0],
            longitude=TIJUANA[1],
            provider=provider,
            settings=settings,
            clock=after,
        )
    summary.appointment_day = draw.appointment_date
    return summary
