"""What households do: how many registrations, when, from which device; the
planted bursts, rings and coalitions; requests and appointments.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from puerta.ids import ALPHABET
from puerta.synth import places
from puerta.synth.plan import ChunkPlan, Plan
from puerta.synth.population import Household, Person, at_time_of_day


@dataclass(slots=True, eq=False)
class Registration:
    rid: str
    owner: Household
    travelers: list[Person]
    created_at: datetime
    account: str
    device: str
    ip: str
    form_seconds: float
    burst_id: str | None = None
    ring_id: str | None = None
    ring_via: str | None = None
    ring_phone: str | None = None
    ring_email: str | None = None
    coalition_id: str | None = None
    location_id: str | None = None  # planted location pattern (synth.locations)
    location_pattern: str | None = None
    requested_port: str | None = None
    request_dates: list[date] = field(default_factory=list)
    appointment: tuple[str, date, time, str, datetime] | None = (
        None  # port, day, slot, code, booked
    )


def code(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def assign_counts(
    plan: Plan, chunk: ChunkPlan, households: list[Household], rng: random.Random
) -> None:
    """Registrations per household: the chunk's quota of persons with ten or more,
    a share with two to nine, the rest one. Fraud picks households at random."""
    free = [h for h in households if h.top_ten is None]
    rng.shuffle(free)
    ten = sum(len(h.members) for h in households if h.top_ten is not None)
    i = 0
    while i < len(free) and ten + len(free[i].members) <= chunk.persons_10_plus:
        hh = free[i]
        hh.k = min(150, 10 + int(rng.expovariate(1 / 5)))
        hh.bot = rng.random() < plan.profile.bot_share_10_plus
        ten += len(hh.members)
        i += 1
    for hh in free[i:]:
        if rng.random() < plan.profile.multi_share:
            hh.k = min(9, 2 + int(rng.expovariate(1 / 1.6)))
    for hh in households:
        if hh.top_ten is not None:
            hh.k = sum(hh.top_months.values())  # type: ignore[union-attr]
            hh.bot = True


def _human_seconds(n_travelers: int, rng: random.Random) -> float:
    return round(max(75.0, rng.lognormvariate(math.log(200 + 110 * n_travelers), 0.35)), 1)


def _new_registration(
    hh: Household, travelers: list[Person], at: datetime, rng: random.Random
) -> Registration:
    return Registration(
        rid="R" + code(rng, 16),
        owner=hh,
        travelers=travelers,
        created_at=at,
        account=hh.account,
        device=hh.device,
        ip=places.carrier_ip(rng),
        form_seconds=_human_seconds(len(travelers), rng),
    )


def period(plan: Plan) -> tuple[datetime, datetime]:
    """First and last second of the profile's registration period (UTC)."""
    profile = plan.profile
    return (
        datetime.combine(profile.start, time(0, 0), tzinfo=UTC),
        datetime.combine(profile.end, time(23, 59, 59), tzinfo=UTC),
    )


def reflect(at: datetime, begin: datetime, limit: datetime) -> datetime:
    """A time past ``limit`` mirrored back before it (never before ``begin``).

    Clamping onto ``limit`` would pile every late registration onto one second,
    a burst nobody planted; mirroring keeps them spread as they were drawn.

    Example:
        >>> b, e = datetime(2023, 1, 1, tzinfo=UTC), datetime(2023, 1, 10, tzinfo=UTC)
        >>> reflect(datetime(2023, 1, 12, tzinfo=UTC), b, e).day
        8
    """
    if at <= limit:
        return at
    return max(begin, limit - (at - limit))


def fit_in_period(regs: list[Registration], begin: datetime, end: datetime) -> None:
    """Move a household's sequence of registrations (in time order) into the period.

    A sequence that runs past the end is shifted earlier as a whole, keeping
    its gaps, so that its last registration lands where ``reflect`` mirrors it
    (as far before the end as it was drawn after it); one longer than the
    room left is compressed. Nothing lands on the last second: clamping there
    piled thousands of registrations onto one second, a burst nobody planted.
    """
    if not regs or regs[-1].created_at <= end:
        return
    first, last = regs[0].created_at, regs[-1].created_at
    period_s = (end - begin).total_seconds()
    target = end - timedelta(seconds=int((last - end).total_seconds() % period_s))
    span = (last - first).total_seconds()
    if span <= (target - begin).total_seconds():
        factor, start = 1.0, target - timedelta(seconds=int(span))
    else:  # longer than the room: 90 % of the period, placed by its own start
        factor = 0.9 * period_s / span
        slack = period_s - span * factor
        start = begin + timedelta(seconds=int((first - begin).total_seconds() % slack))
    for reg in regs:
        offset = (reg.created_at - first).total_seconds() * factor
        reg.created_at = start + timedelta(seconds=int(offset))


def registrations_of(
    plan: Plan, hh: Household, rng: random.Random, serial: list[int]
) -> list[Registration]:
    """The household's own registrations: by hand over days, or by a bot in bursts."""
    profile = plan.profile
    hh.device = places.device_id(rng)
    hh.account = "A" + code(rng, 12)
    begin, end = period(plan)
    if not hh.bot:
        regs, at = [], hh.t0
        for n in range(hh.k):
            reg = _new_registration(hh, list(hh.members), at, rng)
            if n and rng.random() < 0.4:
                reg.account = "A" + code(rng, 12)  # a second login
            if rng.random() < 0.15:
                reg.device = places.device_id(rng)
            regs.append(reg)
            at = at + timedelta(
                seconds=int(rng.expovariate(1 / (3 * 86400 if hh.k >= 10 else 6 * 86400))) + 600
            )
        fit_in_period(regs, begin, end)
        hh.t0 = regs[0].created_at if regs else hh.t0
        return regs
    months = hh.top_months or {hh.t0.month: hh.k}
    regs = []
    for month, count in sorted(months.items()):
        left = count
        while left:
            size = min(left, rng.randint(8, 60))
            if hh.top_months:
                start_day = date(profile.start.year, month, rng.randint(1, 28))
                start = at_time_of_day(profile, start_day, rng)
            else:
                start = hh.t0 + timedelta(days=rng.uniform(0, 20))
            start = reflect(start, begin, end - timedelta(hours=2))
            regs.extend(_burst(hh, size, start, rng, serial))
            left -= size
    return regs


def _burst(
    hh: Household, size: int, start: datetime, rng: random.Random, serial: list[int]
) -> list[Registration]:
    """Registrations seconds apart, one device or a /28, forms filled in seconds."""
    serial[0] += 1
    burst_id = f"B{hh.index}-{serial[0]}"
    a, b, c, d = places.bot_subnet(rng)
    one_device = rng.random() < 0.6
    device = places.device_id(rng)
    out, at = [], start
    for _ in range(size):
        reg = _new_registration(hh, list(hh.members), at, rng)
        reg.device = device if one_device else places.device_id(rng)
        reg.ip = f"{a}.{b}.{c}.{d + rng.randint(1, 14)}"
        reg.form_seconds = round(rng.uniform(2.0, 15.0), 1)
        reg.burst_id = burst_id
        if rng.random() < 0.7:
            reg.account = "A" + code(rng, 12)
        out.append(reg)
        at += timedelta(seconds=rng.randint(1, 8))
    return out


#: The API's default limit of travelers per registration (Settings.max_travelers).
MAX_TRAVELERS = 10


def plant_coalitions(
    plan: Plan, chunk: ChunkPlan, households: list[Household], rng: random.Random
) -> list[Registration]:
    """The group-inclusion trick: unrelated households each register all of them."""
    n = round(plan.profile.coalitions_per_100k_persons * chunk.persons / 100_000)
    pool = [
        h
        for h in households
        if h.k <= 5
        and len(h.members) <= 3
        and h.cluster_id is None
        and h.top_ten is None
        and h.coalition is None
    ]
    rng.shuffle(pool)
    begin, end = period(plan)
    out: list[Registration] = []
    for c in range(n):
        group: list[Household] = []
        for _ in range(rng.randint(2, 4)):
            if pool and sum(len(h.members) for h in group) + len(pool[-1].members) <= MAX_TRAVELERS:
                group.append(pool.pop())
        if len(group) < 2:
            break
        cid = f"C{chunk.index}-{c}"
        everyone = [p for h in group for p in h.members]
        for h in group:
            h.coalition = cid
            at = h.t0 + timedelta(hours=rng.uniform(1, 72))
            if at > end:  # mirrored before the household's first registration instead
                at = max(begin, h.t0 - (at - h.t0))
            mine = list(h.members) + [p for p in everyone if p.household is not h]
            reg = _new_registration(h, mine, at, rng)
            reg.coalition_id = cid
            out.append(reg)
    return out


def plant_rings(plan: Plan, chunk: ChunkPlan, regs: list[Registration], rng: random.Random) -> None:
    """Fixers: one phone, e-mail or device on the registrations of unrelated households."""
    by_household: dict[int, list[Registration]] = {}
    for r in regs:
        if r.burst_id is None and r.coalition_id is None and r.owner.cluster_id is None:
            by_household.setdefault(r.owner.index, []).append(r)
    keys = list(by_household)
    rng.shuffle(keys)
    n = round(plan.profile.rings_per_100k_persons * chunk.persons / 100_000)
    for ring in range(n):
        members = [keys.pop() for _ in range(rng.randint(3, 15)) if keys]
        if len(members) < 3:
            break
        via = rng.choice(("phone", "email", "device"))
        rid = f"G{chunk.index}-{ring}"
        value = {
            "phone": places.phone_for("MX", 50_000_000 + chunk.index * 10_000 + ring),
            "email": f"tramites.{code(rng, 6).lower()}@gmail.com",
            "device": places.device_id(rng),
        }[via]
        for key in members:
            for reg in by_household[key]:
                reg.ring_id, reg.ring_via = rid, via
                if via == "device":
                    reg.device = value
                else:
                    setattr(reg, f"ring_{via}", value)  # applied to the owner's row


def requests(plan: Plan, regs: list[Registration], rng: random.Random) -> None:
    """Request dates for registrations without an appointment: a run of days."""
    profile = plan.profile
    last = profile.appointments_end
    ports, shares = list(profile.port_shares), list(profile.port_shares.values())
    for reg in regs:
        if reg.appointment is not None:
            continue
        if rng.random() < 0.15:
            continue
        start = reg.created_at.date() + timedelta(days=rng.randint(0, 3))
        run = 1 + int(rng.expovariate(1 / 4))
        reg.request_dates = [
            start + timedelta(days=i) for i in range(run) if start + timedelta(days=i) <= last
        ]
        reg.requested_port = rng.choices(ports, weights=shares)[0] if reg.request_dates else None


def appointments(
    plan: Plan,
    chunk: ChunkPlan,
    households: list[Household],
    regs: list[Registration],
    rng: random.Random,
) -> None:
    """Fill each day's seats from eligible households, chosen at random with odds
    growing with their registrations; planted households first."""
    profile = plan.profile
    own: dict[int, list[Registration]] = {}
    for r in regs:
        own.setdefault(r.owner.index, []).append(r)
    units: list[tuple[date, float, Registration, Household]] = []
    seen: set[str] = set()
    for hh in households:
        if hh.coalition is not None:
            if hh.coalition in seen:
                continue
            seen.add(hh.coalition)
            options = [r for r in own[hh.index] if r.coalition_id is not None]
        else:
            options = own[hh.index]
        reg = rng.choice(options)
        if hh.top_ten is not None:
            reg = options[-1]
        weight = len(own[hh.index]) ** 0.7
        key = -1.0 if hh.forced_appointment else rng.expovariate(weight)
        units.append((reg.created_at.date(), key, reg, hh))
    units.sort(key=lambda u: u[0])
    ports, shares = list(profile.port_shares), list(profile.port_shares.values())
    heap: list[tuple[float, int, Registration, Household]] = []
    i = 0
    for day in sorted(chunk.day_budget):
        while i < len(units) and units[i][0] <= day:
            heapq.heappush(heap, (units[i][1], i, units[i][2], units[i][3]))
            i += 1
        budget = chunk.day_budget[day]
        deferred = []
        while heap and budget > 0 and len(deferred) < 30:
            item = heapq.heappop(heap)
            _, _, reg, hh = item
            if len(reg.travelers) > budget and item[0] >= 0:
                deferred.append(item)  # does not fit today: stays in the pool
                continue
            port = hh.forced_port or rng.choices(ports, weights=shares)[0]
            _book(reg, port, day, rng)
            budget -= len(reg.travelers)
        for item in deferred:
            heapq.heappush(heap, item)


def _book(reg: Registration, port: str, day: date, rng: random.Random) -> None:
    created = reg.created_at.date()
    pool_day = max(created, day - timedelta(days=rng.randint(1, 14)))
    run = 1 + int(rng.expovariate(1 / 5))
    first = max(created, pool_day - timedelta(days=run - 1))
    reg.request_dates = [first + timedelta(days=i) for i in range((pool_day - first).days + 1)]
    reg.requested_port = port
    slot = time(7 + rng.randrange(10), rng.choice((0, 30)))
    booked = datetime.combine(pool_day, time(16, 0), tzinfo=UTC) + timedelta(
        minutes=rng.randrange(0, 20 * 60)
    )
    booked = max(booked, reg.created_at + timedelta(minutes=2))
    reg.appointment = (port, day, slot, code(rng, 10), booked)
