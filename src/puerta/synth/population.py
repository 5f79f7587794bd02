"""Households and persons of one chunk: who they are and where they go.

A household is a family that travels together; its owner (position 0) holds
the account. Demographics are drawn for everybody the same way, before any
fraud is planted, so planted patterns inherit the population's distribution.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from puerta.synth import names, places
from puerta.synth.plan import ChunkPlan, Plan
from puerta.synth.profiles import ORIGINS, Profile


@dataclass(slots=True, eq=False)
class Person:
    index: int  # global person number
    given: str
    family: str
    dob: date
    sex: str
    birth_country: str
    citizenship: str
    phone: str | None
    email: str | None
    household: Household
    namesake: str | None = None  # synth.errors: shares name and birth date with another


@dataclass(slots=True, eq=False)
class Household:
    index: int
    origin: str
    language: str
    source: str
    t0: datetime
    members: list[Person] = field(default_factory=list)
    address: places.Address | None = None
    address_kind: str = "private"
    cluster_id: int | None = None
    forced_port: str | None = None
    forced_appointment: bool = False
    top_ten: int | None = None
    top_months: dict[int, int] | None = None
    k: int = 1
    bot: bool = False
    coalition: str | None = None
    device: str = ""
    account: str = ""
    friend_group: str | None = None  # synth.errors: a shared flat of unrelated households
    service_contact: str | None = None  # synth.errors: an aid organisation's contact
    namesake: str | None = None


def mix_on(profile: Profile, day: date) -> dict[str, float]:
    """Citizenship mix on a day: Table 1's in January, drifting to August's."""
    if day.month == 1:
        return profile.january_mix
    t = min(
        1.0, max(0.0, (day - date(day.year, 2, 1)).days / (profile.end - date(day.year, 2, 1)).days)
    )
    keys = profile.january_mix.keys() | profile.august_mix.keys()
    return {
        k: (1 - t) * profile.january_mix.get(k, 0) + t * profile.august_mix.get(k, 0) for k in keys
    }


class Stratified:
    """Low-discrepancy draws (golden-ratio sequence from a random start).

    Shares drawn this way (months, citizenships) land within a household or two
    of their targets even in a small chunk, where independent draws would wander
    by several percent; the sequence's start comes from the chunk's RNG.
    """

    PHI = 0.6180339887498949

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._state: dict[object, float] = {}

    def pick(self, key: object, options: list[str] | list[int], weights: list[float]) -> object:
        u = self._state.get(key)
        u = self._rng.random() if u is None else (u + self.PHI) % 1.0
        self._state[key] = u
        total = sum(weights)
        acc = 0.0
        for option, w in zip(options, weights, strict=True):
            acc += w / total
            if u < acc:
                return option
        return options[-1]


def first_registration(profile: Profile, rng: random.Random, strata: Stratified) -> datetime:
    """A first-registration time: month by the profile's shares, hour by phase."""
    months = list(range(profile.start.month, profile.end.month + 1))
    shares = [profile.month_shares.get(m, 0.0) for m in months]
    shares[-1] = max(0.0, 1.0 - sum(shares[:-1]))
    month = int(strata.pick("month", months, shares))  # type: ignore[arg-type]
    first = profile.start if month == profile.start.month else date(profile.start.year, month, 1)
    if month == profile.end.month:
        last = profile.end
    else:
        last = date(profile.start.year, month + 1, 1) - timedelta(days=1)
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    return at_time_of_day(profile, day, rng)


def at_time_of_day(profile: Profile, day: date, rng: random.Random) -> datetime:
    """Phase 1 piles up at 9 a.m. Eastern (14:00 UTC); later, people's waking hours."""
    base = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if day < profile.phase2_start and rng.random() < 0.55:
        return base + timedelta(hours=14, seconds=int(rng.expovariate(1 / 1200)) % 7200)
    local = rng.uniform(7, 23.9)  # northern Mexico, UTC-6 / UTC-7
    return base + timedelta(hours=local + 6.5, seconds=rng.randrange(60))


def _family_name(pool: names.NamePool, rng: random.Random) -> str:
    first = rng.choice(pool.family)
    if pool.double_surname and rng.random() < 0.85:
        second = rng.choice(pool.family)
        if second != first:
            return f"{first} {second}"
    return first


def _feminine(family: str, pool: names.NamePool) -> str:
    if pool.script != "cyrillic":
        return family
    for male, female in (
        ("skiy", "skaya"),
        ("iy", "aya"),
        ("ov", "ova"),
        ("ev", "eva"),
        ("in", "ina"),
    ):
        if family.endswith(male):
            return family[: -len(male)] + female
    return family


def _birth(t0: datetime, lo: int, hi: int, rng: random.Random) -> date:
    return t0.date() - timedelta(days=rng.randint(lo * 365, hi * 365 + 364))


def make_household(
    plan: Plan,
    index: int,
    size: int,
    t0: datetime,
    rng: random.Random,
    origin: str | None = None,
    strata: Stratified | None = None,
    one_surname: bool = False,
) -> Household:
    if origin is None:
        mix = mix_on(plan.profile, t0.date())
        keys = sorted(mix)
        weights = [mix[k] for k in keys]
        if strata is not None:
            origin = str(strata.pick(("origin", t0.month), keys, weights))
        else:
            origin = rng.choices(keys, weights=weights)[0]
    language, source = ORIGINS[origin]
    hh = Household(index, origin, language, source, t0)
    pool = names.pool(source)
    family = _family_name(pool, rng)
    partner_family = _family_name(pool, rng)
    for m in range(size):
        sex = "M" if rng.random() < 0.56 else "F"
        if rng.random() < 0.001:
            sex = "X"
        surname = family
        if m == 0:
            dob = _birth(t0, 18, 58, rng)
        elif m == 1 and rng.random() < 0.65:
            sex = "F" if hh.members[0].sex == "M" else "M"
            dob = _birth(t0, 18, 55, rng)
            if (pool.double_surname or rng.random() < 0.3) and not one_surname:
                surname = partner_family
        else:
            dob = _birth(t0, 0, 17, rng)
            if pool.double_surname and " " in family and m >= 2 and not one_surname:
                surname = family.split()[0] + " " + partner_family.split()[0]
        if sex == "F":
            surname = _feminine(surname, pool)
        given = rng.choice(pool.female if sex == "F" else pool.male)
        born = origin
        if origin in ("HT", "VE") and dob.year >= 2012 and rng.random() < 0.25:
            born = rng.choice(("CL", "BR", "PE", "CO"))
        person = Person(
            index=0,
            given=given,
            family=surname,
            dob=dob,
            sex=sex,
            birth_country=born,
            citizenship=born if born != origin else origin,
            phone=None,
            email=None,
            household=hh,
        )
        hh.members.append(person)
    return hh


def contacts(hh: Household, rng: random.Random) -> None:
    """Phones and e-mails: adults mostly have their own, children none."""
    for m, p in enumerate(hh.members):
        adult = (hh.t0.date() - p.dob).days >= 18 * 365
        if m == 0 or (adult and rng.random() < 0.6):
            roll = rng.random()
            region = "MX" if roll < 0.72 else "US" if roll < 0.87 else hh.origin
            p.phone = places.phone_for(region, p.index * 3 + 1)
            p.email = places.email_for(p.given, p.family, hh.language, p.index, rng)


def assign_addresses(plan: Plan, households: list[Household], rng: random.Random) -> None:
    """Shelters, sponsors, homes shared by friends or extended family, private homes.

    Planted households already hold their Table 3 address.
    """
    kinds = plan.profile.address_kinds
    shared: list[Household] = []
    shelter_weights = [
        places.CITY_WEIGHTS[[c[0] for c in places.CITIES].index(s[3].city)] for s in plan.shelters
    ]
    for hh in households:
        if hh.address is not None:
            continue
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        hh.address_kind = kind
        if kind in ("shelter", "sponsor"):
            options = [
                (s, w) for s, w in zip(plan.shelters, shelter_weights, strict=True) if s[1] == kind
            ]
            hh.address = rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0][3]
        elif kind == "shared":
            shared.append(hh)
        else:
            hh.address = places.new_address(rng, f"ADDR-{plan.seed}-H{hh.index}")
    i = 0
    while i < len(shared):
        group = shared[i : i + rng.randint(2, 5)]
        addr = places.new_address(rng, f"ADDR-{plan.seed}-H{group[0].index}")
        for hh in group:
            hh.address = addr
        i += len(group)
    if len(shared) == 1:
        shared[0].address_kind = "private"


def build(plan: Plan, chunk: ChunkPlan, rng: random.Random) -> list[Household]:
    """All households of a chunk, with exactly ``chunk.persons`` persons."""
    profile = plan.profile
    households: list[Household] = []
    persons = 0
    sizes = list(range(1, len(profile.household_sizes) + 1))

    def add(hh: Household) -> None:
        nonlocal persons
        for p in hh.members:
            p.index = chunk.person_offset + persons
            persons += 1
        households.append(hh)

    for top in chunk.top_ten:
        month = min(top.months)
        t0 = at_time_of_day(profile, date(profile.start.year, month, rng.randint(1, 28)), rng)
        hh = make_household(plan, _hh_index(chunk, len(households)), 1, t0, rng, top.citizenship)
        hh.top_ten, hh.top_months, hh.forced_appointment = top.rank, top.months, True
        add(hh)
    strata = Stratified(rng)
    for planted in chunk.planted:
        t0 = first_registration(profile, rng, strata)
        hh = make_household(
            plan,
            _hh_index(chunk, len(households)),
            planted.size,
            t0,
            rng,
            strata=strata,
            one_surname=True,
        )
        hh.address = plan.planted_addresses[planted.cluster_id]
        hh.address_kind, hh.cluster_id = "planted", planted.cluster_id
        hh.forced_port, hh.forced_appointment = planted.port, planted.port is not None
        add(hh)
    while persons < chunk.persons:
        size = min(rng.choices(sizes, weights=profile.household_sizes)[0], chunk.persons - persons)
        t0 = first_registration(profile, rng, strata)
        add(make_household(plan, _hh_index(chunk, len(households)), size, t0, rng, strata=strata))
    for hh in households:
        contacts(hh, rng)
    assign_addresses(plan, households, rng)
    return households


def _hh_index(chunk: ChunkPlan, local: int) -> int:
    return chunk.person_offset + local  # households never outnumber persons
