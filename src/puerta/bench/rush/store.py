"""The rush's store: a fresh PostgreSQL database of applicants who registered and
asked yesterday, a draw that ran, and a signed-in session for each applicant.

Why bulk rows: at 20,000 applicants the services' one-row-at-a-time path
(argon2 per sign-up and sign-in, a flush per traveler) would take longer than
the benchmark. The rows are the services' rows, made from the same models and
the same helpers: the schema by :mod:`puerta.migrate`, ports by
:func:`puerta.ports.service.ensure_ports`, travelers validated by
:class:`~puerta.registration.schemas.TravelerIn`, photos checked by
:func:`~puerta.registration.photos.check_photo` and kept in the
:class:`~puerta.registration.photos.FileSystemPhotoStore`, session tokens
hashed by :func:`puerta.accounts.service.token_hash`, and the draw run by
:func:`puerta.draw.service.run_draw` after the seed commitment was published
before the window opened, as the scheduler does.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from puerta import ids, migrate
from puerta.accounts import passwords
from puerta.accounts import service as accounts_service
from puerta.accounts.models import AuthSession, Role, User
from puerta.clock import FrozenClock, SystemClock
from puerta.config import Settings
from puerta.db import Database
from puerta.demo import CITIZENSHIP, FAMILY, GIVEN, LANGUAGE, synthetic_portrait
from puerta.draw import publication
from puerta.draw import service as draw_service
from puerta.draw.models import Selection
from puerta.geo.area import is_eligible
from puerta.lifecycle import RegistrationStatus, RequestStatus
from puerta.ports import service as ports_service
from puerta.registration.models import Photo, Registration, Traveler
from puerta.registration.photos import FileSystemPhotoStore, check_photo
from puerta.registration.schemas import TravelerIn
from puerta.requests.models import AppointmentRequest
from puerta.requests.service import window_from

PREFIX = "puerta_bench_"
#: Where an applicant stands when asking, per port: a city on the Mexican side.
ASK_FROM: dict[str, tuple[float, float]] = {
    "SYS": (32.5149, -117.0382),  # Tijuana
    "CXL": (32.6245, -115.4523),  # Mexicali
    "NOG": (31.3086, -110.9422),  # Nogales, Sonora
    "ELP": (31.6904, -106.4245),  # Ciudad Juárez
    "EGP": (28.5500, -100.7500),  # south-west of Piedras Negras (the area is coarse there)
    "LRD": (27.4763, -99.5164),  # Nuevo Laredo
    "HID": (26.0508, -98.2979),  # Reynosa
    "BRO": (25.8690, -97.5027),  # Matamoros
}
#: Group sizes drawn for registrations (the report's mean is a little over two).
GROUP_SIZES = (1, 1, 1, 2, 2, 2, 3, 3, 4, 5)
DISTINCT_PHOTOS = 64
BATCH = 5_000


@dataclass(frozen=True)
class Applicant:
    registration_id: str
    token: str


@dataclass
class Store:
    """What the harness needs to drive the server and check it afterwards."""

    url: str
    name: str
    applicants: list[Applicant]
    selected: set[str]
    drawn_pool: date
    travelers: int
    seats_offered: int
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def askers(self) -> list[Applicant]:
        """Applicants who may ask today (the ones selected yesterday are refused)."""
        return [a for a in self.applicants if a.registration_id not in self.selected]


def database_url(admin_url: str, name: str) -> str:
    url = sa.make_url(admin_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.set(database=name).render_as_string(hide_password=False)


def create_database(admin_url: str) -> tuple[str, str]:
    """A new empty database ``puerta_bench_<hex>``; returns (name, url)."""
    name = f"{PREFIX}{secrets.token_hex(4)}"
    engine = sa.create_engine(database_url(admin_url, sa.make_url(admin_url).database or ""))
    try:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return name, database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    if not name.startswith(PREFIX):  # never anyone else's
        raise ValueError(f"refusing to drop {name!r}: not a {PREFIX}* database")
    engine = sa.create_engine(database_url(admin_url, sa.make_url(admin_url).database or ""))
    try:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def connection_states(admin_url: str, name: str) -> dict[str, int]:
    """The bench database's connections by state (``idle in transaction`` shows a stall)."""
    engine = sa.create_engine(
        database_url(admin_url, sa.make_url(admin_url).database or ""),
        connect_args={"connect_timeout": 5},
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                    "WHERE datname = :name GROUP BY 1"
                ),
                {"name": name},
            )
            return {state: int(n) for state, n in rows}
    finally:
        engine.dispose()


def traveler_rows(j0: int, size: int, rng: random.Random) -> list[dict]:
    """Travelers ``j0 .. j0+size-1`` of the run, validated as the API validates them.

    Each traveler gets a name and birth date no other traveler has, so the draw
    counts as many persons as there are travelers.
    """
    rows = []
    for j in range(j0, j0 + size):
        k = j % len(GIVEN)
        rest = j // len(GIVEN)
        # (d * 7919) mod 25,000 is one-to-one for d < 25,000: birth dates 1950-2018.
        born = date(1950, 1, 1) + timedelta(days=(rest // len(FAMILY)) * 7919 % 25_000)
        data = TravelerIn(
            given_names=GIVEN[k],
            family_names=FAMILY[rest % len(FAMILY)],
            date_of_birth=born,
            sex=rng.choice(["F", "M"]),
            country_of_birth=CITIZENSHIP[k],
            citizenship=CITIZENSHIP[k],
            language=LANGUAGE[k],
            address_line1=f"{100 + j % 9000} Elm Street",
            city="Houston",
            state="TX",
            zip_code="77002",
        )
        rows.append({"position": j - j0, **data.model_dump()})
    return rows


def _photos(db: Database, settings: Settings, count: int, now: datetime) -> list[str]:
    store = FileSystemPhotoStore(settings.photo_dir)
    shas = []
    with db.session() as s:
        for n in range(count):
            checked = check_photo(
                synthetic_portrait(90_000 + n), max_bytes=settings.photo_max_bytes
            )
            store.put(checked.sha256, checked.data)
            if s.get(Photo, checked.sha256) is None:
                s.add(
                    Photo(
                        sha256=checked.sha256,
                        content_type=checked.content_type,
                        size_bytes=len(checked.data),
                        width=checked.width,
                        height=checked.height,
                        created_at=now,
                    )
                )
            shas.append(checked.sha256)
    return shas


def _chunks(rows: list[dict], size: int = BATCH):  # type: ignore[no-untyped-def]
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def build(url: str, name: str, *, applicants: int, settings: Settings, seed: int = 1) -> Store:
    """Migrate ``url`` and fill it: ``applicants`` people, each with one complete
    registration, a session, and a request in yesterday's pool, which was drawn."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    migrate.upgrade(url)
    seconds["migrate"] = time.perf_counter() - t0
    rng = random.Random(seed)
    now = SystemClock().now()
    window = window_from(settings)
    drawn_pool = (now - timedelta(days=1)).astimezone(window.zone).date()
    opens = publication.window_opens_at(window, drawn_pool)
    closes = window.closes_at(drawn_pool)
    db = Database(url)
    try:
        t0 = time.perf_counter()
        with db.session() as s:
            ports = [p.code for p in ports_service.ensure_ports(s, settings)]
        shas = _photos(db, settings, DISTINCT_PHOTOS, now)
        password_hash = passwords.hash_password(secrets.token_urlsafe(16))  # argon2 once
        with db.session() as s:
            users = _insert_users(s, applicants, password_hash, opens, rng)
            regs, travelers, asks = _registrations(users, ports, shas, opens, closes, rng)
            for rows in _chunks(regs):
                s.execute(sa.insert(Registration), rows)
            for rows in _chunks(travelers):
                s.execute(sa.insert(Traveler), rows)
            for rows in _chunks(asks):
                s.execute(sa.insert(AppointmentRequest), rows)
            people = _sessions(s, users, regs, settings, now)
        seconds["rows"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        selected, offered = _draw(db, drawn_pool, settings, opens, now)
        seconds["draw"] = time.perf_counter() - t0
    finally:
        db.engine.dispose()
    return Store(url, name, people, selected, drawn_pool, len(travelers), offered, seconds)


def _insert_users(
    s: sa.orm.Session, n: int, password_hash: str, before: datetime, rng: random.Random
) -> list[tuple[int, datetime]]:
    rows = []
    for i in range(n):
        at = before - timedelta(days=30, seconds=rng.randrange(60 * 86_400))
        rows.append(
            {
                "email": f"rush{i}@bench.puerta.test",
                "password_hash": password_hash,
                "role": Role.APPLICANT.value,
                "language": "es",
                "created_at": at,
                "email_verified_at": at + timedelta(minutes=3),
                "is_active": True,
            }
        )
    out: list[tuple[int, datetime]] = []
    for chunk in _chunks(rows):
        result = s.execute(sa.insert(User).returning(User.id, sort_by_parameter_order=True), chunk)
        out.extend(
            (uid, row["created_at"]) for uid, row in zip(result.scalars(), chunk, strict=True)
        )
    return out


def _registrations(
    users: list[tuple[int, datetime]],
    ports: list[str],
    shas: list[str],
    opens: datetime,
    closes: datetime,
    rng: random.Random,
) -> tuple[list[dict], list[dict], list[dict]]:
    """Registrations, their travelers (all with photos) and yesterday's requests."""
    regs, travelers, asks = [], [], []
    window_seconds = int((closes - opens).total_seconds())
    j = 0
    for uid, joined in users:
        rid = ids.new_id("R")
        made = joined + timedelta(hours=1, seconds=rng.randrange(86_400))
        regs.append(
            {
                "id": rid,
                "owner_id": uid,
                "status": RegistrationStatus.ACTIVE.value,
                "created_at": made,
                "updated_at": made,
                "device_id": f"rush-device-{uid}",
                "form_seconds": float(300 + rng.randrange(600)),
            }
        )
        size = rng.choice(GROUP_SIZES)
        for row in traveler_rows(j, size, rng):
            travelers.append({**row, "registration_id": rid, "photo_sha256": shas[j % len(shas)]})
            j += 1
        port = rng.choice(ports)
        lat, lon = ASK_FROM[port]
        asks.append(
            {
                "registration_id": rid,
                "pool_date": closes.date(),
                "port_code": port,
                "status": RequestStatus.POOLED.value,
                "latitude": lat,
                "longitude": lon,
                "created_at": opens + timedelta(seconds=rng.randrange(window_seconds)),
                "device_id": f"rush-device-{uid}",
                "priority": False,
            }
        )
    return regs, travelers, asks


def _sessions(
    s: sa.orm.Session,
    users: list[tuple[int, datetime]],
    regs: list[dict],
    settings: Settings,
    now: datetime,
) -> list[Applicant]:
    """One signed-in session per applicant, stored as ``accounts.service.sign_in`` stores it."""
    people, rows = [], []
    for (uid, _), reg in zip(users, regs, strict=True):
        token = secrets.token_urlsafe(32)
        rows.append(
            {
                "token_hash": accounts_service.token_hash(token),
                "csrf_token": secrets.token_urlsafe(24),
                "user_id": uid,
                "created_at": now,
                "expires_at": now + timedelta(hours=settings.session_hours),
            }
        )
        people.append(Applicant(reg["id"], token))
    for chunk in _chunks(rows):
        s.execute(sa.insert(AuthSession), chunk)
    return people


def _draw(
    db: Database, pool_date: date, settings: Settings, opens: datetime, now: datetime
) -> tuple[set[str], int]:
    """Publish the commitment before the window opened, then draw now (after it closed)."""
    with db.session() as s:
        publication.commit(
            s,
            pool_date=pool_date,
            settings=settings,
            clock=FrozenClock(opens - timedelta(minutes=5)),
        )
    with db.session() as s:
        draw = draw_service.run_draw(
            s, pool_date=pool_date, settings=settings, clock=FrozenClock(now)
        )
        offered = draw.seats_offered
        selected = set(
            s.scalars(sa.select(Selection.registration_id).where(Selection.draw_id == draw.id))
        )
    return selected, offered


def check_asks_from(settings: Settings) -> list[str]:
    """Ports whose asking place is outside the eligible area (should be none)."""
    area = settings.eligible_area_wkt
    return [code for code, (lat, lon) in ASK_FROM.items() if not is_eligible(lat, lon, area)]


@dataclass(frozen=True)
class RequestCheck:
    """The store after the request mix, against what the client saw."""

    pool_dates: list[str]
    stored: int
    acknowledged: int
    duplicates: int
    acknowledged_not_stored: list[str]
    stored_not_acknowledged: int
    unconfirmed_budget: int

    @property
    def ok(self) -> bool:
        return (
            self.duplicates == 0
            and not self.acknowledged_not_stored
            and self.stored_not_acknowledged <= self.unconfirmed_budget
        )

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "pool_dates": self.pool_dates,
            "rows_stored": self.stored,
            "registrations_acknowledged_2xx": self.acknowledged,
            "registrations_with_two_requests_for_one_pool_date": self.duplicates,
            "acknowledged_but_not_stored": self.acknowledged_not_stored[:20],
            "acknowledged_but_not_stored_count": len(self.acknowledged_not_stored),
            "stored_without_2xx": self.stored_not_acknowledged,
            "responses_not_2xx_or_unanswered": self.unconfirmed_budget,
        }


def check_requests(
    url: str, *, after: date, among: set[str], acknowledged: set[str], unconfirmed_budget: int
) -> RequestCheck:
    """Compare the requests of registrations ``among`` (the run's) stored for pool dates
    after ``after`` with the 2xx the client saw.

    ``unconfirmed_budget``: requests whose answer the client did not see as a
    2xx (errors, timeouts, requests in flight when the load stopped); each may
    or may not have been stored, so at most that many rows may lack a 2xx.
    """
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            q = AppointmentRequest.__table__
            rows = conn.execute(
                sa.select(q.c.registration_id, q.c.pool_date).where(q.c.pool_date > after)
            ).all()
    finally:
        engine.dispose()
    seen: dict[tuple[str, date], int] = {}
    rows = [(rid, day) for rid, day in rows if rid in among]
    for rid, day in rows:
        seen[(rid, day)] = seen.get((rid, day), 0) + 1
    stored = {rid for rid, _ in rows}
    return RequestCheck(
        pool_dates=sorted({d.isoformat() for _, d in rows}),
        stored=len(rows),
        acknowledged=len(acknowledged),
        duplicates=sum(1 for n in seen.values() if n > 1),
        acknowledged_not_stored=sorted(acknowledged - stored),
        stored_not_acknowledged=len(stored - acknowledged),
        unconfirmed_budget=unconfirmed_budget,
    )
