"""A small store for the workbench tests: registrations, their ports and findings, written
directly (no photos, no draw), so a test builds exactly the findings it asks about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.clock import FrozenClock
from puerta.confirmation.models import Appointment
from puerta.findings import explain as fx
from puerta.findings import service
from puerta.findings.value import (
    ADDRESS_CLUSTER,
    DUPLICATE_PERSON,
    REGISTRATION_BURST,
    SHARED_CONTACT_RING,
    Finding,
    stable_key,
)
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest

_n = count()
START = datetime(2023, 6, 19, 1, 16, 10, tzinfo=UTC)


@dataclass
class Person:
    given: str = "Ana"
    family: str = "Morales"
    born: date = date(1990, 5, 17)
    phone: str | None = None
    email: str | None = None
    address: str = "123 Main St"
    zip_code: str | None = "77002"
    extra: dict[str, Any] = field(default_factory=dict)


def add_registration(
    s: Session,
    *people: Person,
    created: datetime = START,
    device: str | None = None,
    form_seconds: float | None = None,
) -> str:
    n = next(_n)
    owner = User(email=f"wb{n}@example.org", password_hash="!", created_at=created)
    s.add(owner)
    s.flush()
    rid = f"RWB{n:05d}"
    s.add(
        Registration(
            id=rid,
            owner_id=owner.id,
            created_at=created,
            updated_at=created,
            device_id=device,
            form_seconds=form_seconds,
        )
    )
    for i, p in enumerate(people or (Person(),)):
        s.add(
            Traveler(
                registration_id=rid,
                position=i,
                given_names=p.given,
                family_names=p.family,
                date_of_birth=p.born,
                sex="F",
                country_of_birth="VE",
                citizenship="VE",
                language="es",
                phone=p.phone,
                email=p.email,
                address_line1=p.address,
                city="Houston",
                state="TX",
                zip_code=p.zip_code,
            )
        )
    s.flush()
    return rid


def ask_at(s: Session, rid: str, port: str, day: date = date(2026, 3, 4)) -> None:
    s.add(
        AppointmentRequest(
            registration_id=rid,
            pool_date=day,
            port_code=port,
            latitude=32.5,
            longitude=-117.0,
            created_at=START,
        )
    )
    s.flush()


def book_at(s: Session, rid: str, port: str, day: date = date(2026, 3, 18)) -> str:
    code = f"WB{next(_n):06d}"
    s.add(
        Appointment(
            registration_id=rid,
            port_code=port,
            day=day,
            slot_start=time(9, 0),
            seats=1,
            code=code,
            created_at=START,
        )
    )
    s.flush()
    return code


def cluster(rids: list[str], *, score: float = 5.0, name: str = "") -> Finding:
    gave = fx.sentence(
        fx.ADDRESS_GAVE,
        persons=len(rids),
        surnames=len(rids),
        families=len(rids),
        address="123 Main St, Houston TX 77002",
        first_seen=date(2023, 5, 1),
        last_seen=date(2023, 6, 30),
    )
    return Finding(
        kind=ADDRESS_CLUSTER,
        key=stable_key(ADDRESS_CLUSTER, "123 MAIN ST", name, *rids),
        score=score,
        explanation=(gave, fx.sentence(fx.ADDRESS_NO_PORT)),
        evidence={
            "address": "123 MAIN ST, HOUSTON TX 77002",
            "persons": len(rids),
            "holders_by_port": {"SYS": 2, "HID": 1, "none": 1},
            "variants": [{"line1": "123 Main St", "zip": "77002", "count": len(rids)}],
        },
        registration_ids=tuple(sorted(rids)),
        travelers=tuple((r, 0) for r in sorted(rids)),
        normalised_keys=("123 MAIN ST|HOUSTON|TX",),
    )


def burst(rids: list[str], *, score: float = 9.0) -> Finding:
    start, end = START, START + timedelta(seconds=30)
    text = fx.sentence(
        fx.BURST_WITHIN_A_DAY["device"],
        registrations=len(rids),
        value="dev-1",
        start=start,
        end=end,
        mean_gap=2.0,
    )
    return Finding(
        kind=REGISTRATION_BURST,
        key=stable_key(REGISTRATION_BURST, *rids),
        score=score,
        explanation=(text,),
        evidence={"registrations": len(rids), "start": start.isoformat(), "end": end.isoformat()},
        registration_ids=tuple(sorted(rids)),
        travelers=tuple((r, 0) for r in sorted(rids)),
    )


def ring_of(rids: list[str], shared: list[dict[str, Any]], *, score: float = 11.0) -> Finding:
    text = fx.sentence(
        fx.RING_TIED,
        registrations=len(rids),
        persons=len(rids),
        families=len(rids),
        links=[{"link": "phone", "count": 1}],
    )
    return Finding(
        kind=SHARED_CONTACT_RING,
        key=stable_key(SHARED_CONTACT_RING, *rids),
        score=score,
        explanation=(text,),
        evidence={"registrations": len(rids), "shared_values": shared},
        registration_ids=tuple(sorted(rids)),
        travelers=tuple((r, 0) for r in sorted(rids)),
    )


def duplicate(rids: list[str], *, score: float = 2.0) -> Finding:
    text = fx.sentence(fx.DUPLICATE_ONE_WAY, registrations=len(rids), names=["Ana Morales"])
    return Finding(
        kind=DUPLICATE_PERSON,
        key=stable_key(DUPLICATE_PERSON, *rids),
        score=score,
        explanation=(text,),
        evidence={"name_variants": ["Ana Morales"], "dob_variants": ["19900517"]},
        registration_ids=tuple(sorted(rids)),
        travelers=tuple((r, 0) for r in sorted(rids)),
    )


def store(s: Session, findings: list[Finding], clock: FrozenClock) -> None:
    service.upsert(s, findings, clock=clock)
    s.flush()
