"""What a finding's detail page draws, gathered from the finding and the store.

Language-free: plain values the page turns into a map, a timeline, a graph or a
table (``puerta.findings.drawing``) with its own words. The finding's evidence
says what the analysis saw; the store adds what the evidence does not keep
(each registration's time, the contacts behind a ring, the written names).

Only identity and contact fields are shown side by side (names, birth date,
phone, e-mail, address): nationality, language and sex never reach the analyses,
and the workbench does not put them beside a finding either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from puerta.confirmation.models import Appointment
from puerta.contacts import email_key, phone_key
from puerta.findings.drawing.basemap import zip_centroid
from puerta.findings.models import Finding, FindingTraveler
from puerta.lifecycle import AppointmentStatus
from puerta.ports.catalogue import PORTS
from puerta.registration.models import Registration

TRAVELERS_SHOWN = 200
"""The detail page lists at most this many travelers (a large cluster says "and N more")."""
VARIATIONS_SHOWN = 20
"""Columns of the side-by-side table: a person with more registrations is shown in part."""
VARIATION_FIELDS = (
    "given_names",
    "family_names",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "city",
    "state",
    "zip_code",
)
LINK_KINDS = ("phone", "email", "device", "photo")
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")


@dataclass(frozen=True)
class TravelerLine:
    registration_id: str
    position: int
    name: str | None
    """As written on the registration; None when the store does not hold it."""
    port: str | None = None
    code: str | None = None
    """The registration's booked appointment (the officers' arrival page), if any."""
    day: date | None = None


def travelers(
    session: Session, finding: Finding, *, limit: int = TRAVELERS_SHOWN
) -> tuple[list[TravelerLine], int]:
    """The first ``limit`` travelers a finding touches, with their appointments; and how many."""
    links = list(
        session.scalars(
            select(FindingTraveler)
            .where(FindingTraveler.finding_id == finding.id)
            .order_by(FindingTraveler.registration_id, FindingTraveler.position)
        )
    )
    shown = links[:limit]
    rids = sorted({link.registration_id for link in shown})
    registrations = _registrations(session, rids)
    booked: dict[str, Appointment] = {}
    for start in range(0, len(rids), 1000):
        for appointment in session.scalars(
            select(Appointment)
            .where(
                Appointment.registration_id.in_(rids[start : start + 1000]),
                Appointment.status == AppointmentStatus.BOOKED.value,
            )
            .order_by(Appointment.day, Appointment.id)
        ):
            booked[appointment.registration_id] = appointment
    lines = []
    for link in shown:
        registration = registrations.get(link.registration_id)
        traveler = next(
            (
                t
                for t in (registration.travelers if registration else [])
                if t.position == link.position
            ),
            None,
        )
        appointment = booked.get(link.registration_id)
        lines.append(
            TravelerLine(
                registration_id=link.registration_id,
                position=link.position,
                name=f"{traveler.given_names} {traveler.family_names}" if traveler else None,
                port=appointment.port_code if appointment else None,
                code=appointment.code if appointment else None,
                day=appointment.day if appointment else None,
            )
        )
    return lines, len(links)


def _registrations(session: Session, rids: Sequence[str]) -> dict[str, Registration]:
    out: dict[str, Registration] = {}
    for start in range(0, len(rids), 1000):
        query = (
            select(Registration)
            .where(Registration.id.in_(list(rids[start : start + 1000])))
            .options(selectinload(Registration.travelers))
        )
        out |= {r.id: r for r in session.scalars(query)}
    return out


def _registration_ids(session: Session, finding: Finding) -> list[str]:
    return sorted(
        set(
            session.scalars(
                select(FindingTraveler.registration_id).where(
                    FindingTraveler.finding_id == finding.id
                )
            )
        )
    )


# --- an address on the map ---------------------------------------------------------------


@dataclass(frozen=True)
class PortCount:
    code: str
    name: str
    lon: float
    lat: float
    count: int


@dataclass(frozen=True)
class Destination:
    zip5: str
    address: str
    lon: float
    lat: float


def port_counts(evidence: dict[str, Any]) -> list[PortCount]:
    """Every port of the catalogue with the address's appointment holders there (often 0).

    ``holders_by_port`` is the analysis's count (``none``: no appointment yet, not a port).
    """
    holders = evidence.get("holders_by_port") or {}
    if isinstance(holders, list):  # [{"port", "count"}] in an older evidence form
        holders = {h.get("port"): h.get("count", 0) for h in holders if isinstance(h, dict)}
    return [
        PortCount(p.code, p.name, p.longitude, p.latitude, int(holders.get(p.code) or 0))
        for p in PORTS
    ]


def destination(evidence: dict[str, Any]) -> Destination | None:
    """The address's ZIP centroid: the ZIP most of its written variants give, else the
    one the shown address ends with; None when neither is a ZIP the table knows."""
    address = str(evidence.get("address") or "")
    counts: dict[str, int] = {}
    for variant in evidence.get("variants") or []:
        zip5 = str(variant.get("zip") or "")[:5] if isinstance(variant, dict) else ""
        if len(zip5) == 5 and zip5.isdigit():
            counts[zip5] = counts.get(zip5, 0) + int(variant.get("count") or 1)
    candidates = sorted(counts, key=lambda z: (-counts[z], z))
    found = _ZIP.search(address)
    if found:
        candidates.append(found.group(1))
    for zip5 in candidates:
        point = zip_centroid(zip5)
        if point is not None:
            return Destination(zip5, address, point[0], point[1])
    return None


# --- registrations over time --------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    registration_id: str
    at: datetime
    device_id: str | None
    form_seconds: float | None


def registration_times(session: Session, finding: Finding) -> list[Registered]:
    """When each of the finding's registrations was made, first first."""
    rids = _registration_ids(session, finding)
    out = []
    for start in range(0, len(rids), 1000):
        rows = session.execute(
            select(
                Registration.id,
                Registration.created_at,
                Registration.device_id,
                Registration.form_seconds,
            ).where(Registration.id.in_(rids[start : start + 1000]))
        )
        out.extend(Registered(r, at, device, form) for r, at, device, form in rows)
    return sorted(out, key=lambda r: (r.at, r.registration_id))


# --- a ring's graph -----------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    kind: str
    value: str


@dataclass(frozen=True)
class Shared:
    kind: str
    value: str
    registrations: list[str]


def _values(registration: Registration) -> set[tuple[str, str]]:
    """(kind, value) a registration carries, compared as the ring analysis compares them."""
    values: set[tuple[str, str]] = set()
    if registration.device_id:
        values.add(("device", registration.device_id.strip()))
    for t in registration.travelers:
        if t.phone and (key := phone_key(t.phone)):
            values.add(("phone", key))
        if t.email and (key := email_key(t.email)):
            values.add(("email", key))
        if t.photo_sha256:
            values.add(("photo", t.photo_sha256))
    return values


def ring(session: Session, finding: Finding) -> tuple[list[str], list[Shared], list[Link]]:
    """The ring's registrations, the shared values that tie them, and an edge per pair.

    The values are the evidence's (the analysis keeps the ten most shared); a ring
    whose evidence names none is tied by every value two of its registrations share.
    """
    rids = _registration_ids(session, finding)
    registrations = _registrations(session, rids)
    carried: dict[tuple[str, str], list[str]] = {}
    for rid in rids:
        registration = registrations.get(rid)
        for value in sorted(_values(registration)) if registration else []:
            carried.setdefault(value, []).append(rid)
    named = [
        (str(s.get("link")), str(s.get("value")))
        for s in finding.evidence.get("shared_values") or []
        if isinstance(s, dict)
    ]
    wanted = named or sorted(v for v, holders in carried.items() if len(holders) > 1)
    shared = [Shared(kind, value, carried.get((kind, value), [])) for kind, value in wanted]
    links = [
        Link(a, b, s.kind, s.value)
        for s in shared
        for i, a in enumerate(s.registrations)
        for b in s.registrations[i + 1 :]
    ]
    return rids, shared, links


# --- one person's variations --------------------------------------------------------------


def variations(
    session: Session, finding: Finding, *, limit: int = VARIATIONS_SHOWN
) -> tuple[list[dict[str, str | None]], int]:
    """One column per traveler (what each registration wrote), the first ``limit``; and how many.

    Each column's ``registration`` ("R… · 2": the registration and the traveler's
    place in it) heads it; the ``VARIATION_FIELDS`` are compared.
    """
    links = list(
        session.scalars(
            select(FindingTraveler)
            .where(FindingTraveler.finding_id == finding.id)
            .order_by(FindingTraveler.registration_id, FindingTraveler.position)
        )
    )
    shown = links[:limit]
    registrations = _registrations(session, sorted({link.registration_id for link in shown}))
    columns = []
    for link in shown:
        registration = registrations.get(link.registration_id)
        t = next(
            (
                t
                for t in (registration.travelers if registration else [])
                if t.position == link.position
            ),
            None,
        )
        column: dict[str, str | None] = {
            "registration": f"{link.registration_id} · {link.position + 1}"
        }
        if t is not None:
            column |= {
                "given_names": t.given_names,
                "family_names": t.family_names,
                "date_of_birth": t.date_of_birth.isoformat(),
                "phone": t.phone,
                "email": t.email,
                "address": " ".join(p for p in (t.address_line1, t.address_line2) if p),
                "city": t.city,
                "state": t.state,
                "zip_code": t.zip_code,
            }
        columns.append(column)
    return columns, len(links)
