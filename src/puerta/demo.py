"""A small demo world for ``make run``: ports, one officer per port, an analyst,
a demo applicant, and a past draw whose appointments the officers can see.

Everything here is synthetic. Loading twice changes nothing.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.accounts import passwords, second_factor
from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role, User
from puerta.clock import Clock, FrozenClock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.liveness import LocalLivenessProvider
from puerta.draw import publication as draw_publication
from puerta.draw import service as draw_service
from puerta.draw.models import Draw, DrawCommitment, Selection
from puerta.errors import NotADemoStore, WindowClosed
from puerta.journey import requesting
from puerta.ports import service as ports_service
from puerta.registration import service as registration_service
from puerta.registration.photos import PhotoStore, check_photo
from puerta.registration.schemas import RegistrationIn, TravelerIn
from puerta.requests import service as requests_service
from puerta.requests.schemas import RequestIn
from puerta.requests.window import Window

APPLICANT_EMAIL = "applicant@demo.puerta.test"
APPLICANT_PASSWORD = "demo-applicant-2026"  # noqa: S105 - public demo credential
STAFF_PASSWORD = "demo-officer-2026"  # noqa: S105 - public demo credential
#: The demo staff accounts' TOTP secret, public like their password: add it to an
#: authenticator app (or compute codes with pyotp) to sign in as a demo officer.
STAFF_TOTP_SECRET = "PUERTADEMOSTAFFXTOTPXSECRETXAAAA"  # noqa: S105 - public demo credential
ANALYST_EMAIL = "analyst@demo.puerta.test"
TIJUANA = (32.5149, -117.0382)
#: The demo's draws use this public seed: anyone can recompute them, and a store whose
#: commitments use it is a demo store (``is_demo_store``), the only kind ``draw_now`` draws.
DEMO_SEED = b"puerta-demo"

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
    staff = [
        accounts_service.create_staff(
            session, email=email, password=password, role=Role.OFFICER, port_code=code, clock=clock
        )
        for email, password, code in officers
    ]
    staff.append(
        accounts_service.create_staff(
            session,
            email=ANALYST_EMAIL,
            password=STAFF_PASSWORD,
            role=Role.ANALYST,
            port_code=None,
            clock=clock,
        )
    )
    for user in staff:  # enrolled already: the demo skips the enrolment page
        second_factor.enrol_with_secret(
            session, user=user, secret=STAFF_TOTP_SECRET, settings=settings, clock=clock
        )

    # The last window that has closed: a handful of applicants asked, the draw ran, most
    # confirmed. (The last, not always yesterday's: the demo applicant's open offer must
    # still be open when a newcomer looks at it.)
    now = clock.now()
    window = requests_service.window_from(settings)
    drawn_day = last_closed_pool(window, now)
    past = FrozenClock(window.closes_at(drawn_day) - timedelta(hours=3))
    # Every seed commitment is published before its window opens, as the scheduler does,
    # so that the demo's draws verify without a timing warning.
    for day in {drawn_day, *upcoming_pools(window, now)}:
        _commit_before_opening(session, window, day, settings)
    owner = _applicant(session, APPLICANT_EMAIL, past)
    codes = [p.code for p in ports]
    mine = [
        _registration(session, owner, 2, 1, settings=settings, clock=past, store=store),
        _registration(session, owner, 1, 2, settings=settings, clock=past, store=store),
    ]
    others = []
    for n in range(24):
        other = _applicant(session, f"family{n}@demo.puerta.test", past)
        others.append(
            _registration(
                session,
                other,
                1 + n % 4,
                10 + n,
                settings=settings,
                clock=past,
                store=store,
                address=SHARED_HOUSE if n % 2 == 0 else None,
            )
        )
    for n, reg in enumerate([*mine, *others]):
        requesting.request_appointment(
            session,
            registration=reg,
            data=RequestIn(
                port_code=codes[n % len(codes)], latitude=TIJUANA[0], longitude=TIJUANA[1]
            ),
            settings=settings,
            clock=past,
        )
    after = FrozenClock(window.closes_at(drawn_day) + timedelta(minutes=5))
    draw = draw_service.run_draw(
        session, pool_date=drawn_day, settings=settings, clock=after, seed=DEMO_SEED
    )
    provider = LocalLivenessProvider(settings.photo_max_bytes)
    waiting = {mine[1].id}  # the demo applicant's second group: an offer to confirm
    for i, selection in enumerate(
        session.scalars(
            select(Selection).where(Selection.draw_id == draw.id).order_by(Selection.id)
        )
    ):
        if selection.registration_id in waiting or (
            i % 5 == 4 and selection.registration_id != mine[0].id
        ):
            if selection.deadline < now + timedelta(hours=2):  # about to lapse: extend it
                confirmation_service.extend(
                    session, selection=selection, settings=settings, clock=after
                )
            continue  # left to confirm, so the demo shows pending selections too
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


def last_closed_pool(window: Window, now: datetime) -> date:
    """The latest pool date whose window closed (and whose draw ran) before ``now``."""
    day = now.astimezone(window.zone).date()
    while window.closes_at(day) + timedelta(minutes=5) > now:
        day -= timedelta(days=1)
    return day


def upcoming_pools(window: Window, now: datetime) -> list[date]:
    """The pool open now (if any) and the next window's."""
    days = [window.pool_date(now), window.pool_date(window.next_opening(now))]
    return [d for d in days if d is not None]


def _commit_before_opening(
    session: Session, window: Window, pool_date: date, settings: Settings
) -> None:
    opens = draw_publication.window_opens_at(window, pool_date)
    draw_publication.commit(
        session,
        pool_date=pool_date,
        settings=settings,
        clock=FrozenClock(opens - timedelta(minutes=5)),
        seed=DEMO_SEED,
    )


def is_demo_store(session: Session) -> bool:
    """Whether this store's draws use the public demo seed: then they are not secret,
    so it can only be a demo (``puerta demo load`` commits every pool with it)."""
    return (
        session.scalar(
            select(DrawCommitment.id).where(DrawCommitment.seed_hex == DEMO_SEED.hex()).limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class DemoDraw:
    pool_date: date
    pool_size: int
    seats_offered: int


def draw_now(session: Session, *, settings: Settings, clock: Clock) -> DemoDraw:
    """Close the open pool now and draw it, on a demo store only (``puerta demo draw``).

    The draw is the real one, run as if the window had just closed (its times read
    the window's closing time), so that a newcomer sees a result and an offer to
    confirm without waiting for 11:00 New York time; the pool's day is then drawn,
    and asking again before the window really closes changes nothing for it.
    """
    if not is_demo_store(session):
        raise NotADemoStore()
    window = requests_service.window_from(settings)
    now = clock.now()
    pool_date = window.pool_date(now)
    if pool_date is None:
        raise WindowClosed(opens_at=window.next_opening(now), timezone=settings.timezone)
    _commit_before_opening(session, window, pool_date, settings)
    closed = FrozenClock(window.closes_at(pool_date) + timedelta(minutes=1))
    draw = draw_service.run_draw(
        session, pool_date=pool_date, settings=settings, clock=closed, seed=DEMO_SEED
    )
    return DemoDraw(pool_date, draw.pool_size, draw.seats_offered)
