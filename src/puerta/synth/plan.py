"""The global plan: how the population is cut into chunks, and what each holds.

Everything that crosses chunk boundaries is decided here, once, from the seed:
per-chunk quotas (persons, persons with ten or more registrations, persons
with an appointment, seats per day), the planted addresses of Table 3 and the
top ten of Table 2. Each chunk then generates independently from its own RNG,
so output depends only on (profile, scale, seed) and memory on the chunk size.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from puerta.synth import places
from puerta.synth.profiles import (
    TABLE_2,
    TABLE_3,
    TABLE_3_SURNAME_RATIO,
    Profile,
    top_ten_factor,
)

CHUNK_PERSONS = 40_000


def split(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of an integer total in proportion to weights."""
    s = sum(weights) or 1.0
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


@dataclass(frozen=True)
class PlantedHousehold:
    cluster_id: int  # 1..7
    port: str | None  # None: the one person of Table 3 with no port
    size: int


@dataclass(frozen=True)
class TopTen:
    rank: int  # 1..10
    citizenship: str
    months: dict[int, int]


@dataclass
class ChunkPlan:
    index: int
    persons: int
    persons_10_plus: int
    persons_with_appointment: int
    person_offset: int
    day_budget: dict[date, int]
    planted: list[PlantedHousehold] = field(default_factory=list)
    top_ten: list[TopTen] = field(default_factory=list)


@dataclass
class Plan:
    profile: Profile
    scale: float
    seed: int
    chunks: list[ChunkPlan]
    planted_addresses: dict[int, places.Address]
    shelters: list[tuple[str, str, str, places.Address]]  # id, kind, name, address


def capacity(profile: Profile, day: date) -> int:
    low, high = profile.daily_capacity
    return high if day >= profile.capacity_rise else low


def appointment_days(profile: Profile) -> list[date]:
    n = (profile.appointments_end - profile.start).days + 1
    return [profile.start + timedelta(days=i) for i in range(n)]


def planted_households(profile: Profile, scale: float) -> list[PlantedHousehold]:
    """Table 3 scaled: persons per (address, port) cell, grouped into families so
    that surnames per address keep the report's 266-of-358 ratio."""
    totals = [sum(row) for row in TABLE_3]
    per_address = split(round(sum(totals) * scale), [float(t) for t in totals])
    out: list[PlantedHousehold] = []
    for cluster, (row, n_address) in enumerate(zip(TABLE_3, per_address, strict=True), start=1):
        if n_address == 0:
            continue
        families = max(1, round(n_address * TABLE_3_SURNAME_RATIO))
        per_port = split(n_address, [float(n) for n in row])
        # Families spread over ports in proportion; a family enters at one port.
        fam_per_port = split(families, [float(n) for n in per_port])
        for port, n, f in zip(profile.ports, per_port, fam_per_port, strict=True):
            if n:
                sizes = split(n, [1.0] * max(1, min(f, n)))
                out.extend(PlantedHousehold(cluster, port, s) for s in sizes if s)
    if round(scale) >= 1:  # the report's one person "processed without a POE"
        out.append(PlantedHousehold(5, None, 1))
    return out


def make_plan(profile: Profile, scale: float, seed: int) -> Plan:
    if not 0 < scale <= 2:
        raise ValueError("scale must be in (0, 2]")
    rng = random.Random(f"{profile.name}:{seed}:plan")
    persons = max(1, round(profile.persons * scale))
    n_chunks = max(1, math.ceil(persons / CHUNK_PERSONS))
    per_chunk = split(persons, [1.0] * n_chunks)
    ten = split(round(profile.persons_10_plus * scale), [1.0] * n_chunks)
    appt = split(round(profile.persons_with_appointment * scale), [1.0] * n_chunks)
    days = appointment_days(profile)
    caps = [float(capacity(profile, d)) for d in days]
    chunks = []
    offset = 0
    for i in range(n_chunks):
        budget = dict(zip(days, split(appt[i], caps), strict=True))
        chunks.append(ChunkPlan(i, per_chunk[i], ten[i], appt[i], offset, budget))
        offset += per_chunk[i]
    planted = planted_households(profile, scale)
    rng.shuffle(planted)
    for j, hh in enumerate(planted):
        chunks[j % n_chunks].planted.append(hh)
    factor = top_ten_factor(scale)
    for rank, (cit, months) in enumerate(TABLE_2, start=1):
        scaled = {m: max(1, round(n * factor)) for m, n in months.items()}
        chunks[(rank - 1) % n_chunks].top_ten.append(TopTen(rank, cit, scaled))
    addresses = {
        c: places.new_address(rng, f"ADDR-PLANTED-{c}", apartment=0.0 if c == 2 else 0.5)
        for c in range(1, 8)
    }
    return Plan(profile, scale, seed, chunks, addresses, shelters(profile))


_SHELTER_NAMES = (
    "Casa de Hospitalidad",
    "Welcome Center",
    "Casa Esperanza",
    "Refugio San José",
    "Family Shelter",
    "Migrant Welcome House",
    "Casa Nazareth",
    "Hope House",
)
_SPONSOR_NAMES = (
    "Community Services",
    "Immigrant Legal Aid",
    "Catholic Charities office",
    "Sponsor Network",
    "Resettlement Partners",
    "Haitian Community Center",
)


def shelters(profile: Profile, n_shelters: int = 60, n_sponsors: int = 25):  # type: ignore[no-untyped-def]
    """The known shelter and sponsor addresses: fixed per profile, not per seed,
    so that a configured list stays valid across generated data sets."""
    rng = random.Random(f"{profile.name}:shelters")
    out = []
    for i in range(n_shelters + n_sponsors):
        kind = "shelter" if i < n_shelters else "sponsor"
        addr = places.new_address(rng, f"ADDR-{kind.upper()}-{i:03d}", apartment=0.1)
        names = _SHELTER_NAMES if kind == "shelter" else _SPONSOR_NAMES
        out.append((f"{kind[:2].upper()}{i:03d}", kind, f"{rng.choice(names)} {addr.city}", addr))
    return out
