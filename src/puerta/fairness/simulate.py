"""Run the report's baseline draw and Puerta's draw over the same pools, per person.

Why per person: the report's finding is about *people* (those with 10 or
more registrations were chosen far more often), so both draws are scored by
whether each person got a seat, whichever of their registrations won it.

For every simulated day both draws see the same pool and the same capacity,
with fresh randomness. A person's daily selection rate is tallied by bucket
of registrations held (1, 2, 3-4, 5-9, 10+) and for the group trick (lone
persons slipped into other households' groups). The figure of merit is each
bucket's rate divided by the rate of persons with one registration; its 95%
confidence interval comes from a bootstrap over days (days are independent
draws; persons within a day are not, as they share the seats).

Example:
    >>> from puerta.fairness.model import build_population
    >>> result = simulate(build_population(3_000, seed=2), days=3, capacity=60, seed=2)
    >>> [b.name for b in result.buckets][:2]
    ['1', '2']
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from puerta.draw import baseline, fair
from puerta.draw.pool import PoolEntry
from puerta.fairness.model import TODAY, Population, redraw_dates

__all__ = ["Population", "SimResult", "simulate"]

BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-4", 3, 4),
    ("5-9", 5, 9),
    ("10+", 10, 10**9),
)
TRICK = "group trick"
DRAWS = ("baseline", "puerta")


@dataclass(frozen=True, slots=True)
class Ratio:
    """A bucket's selection rate relative to one-registration persons, with a 95% CI."""

    rate: float
    ratio: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    persons: int
    by_draw: dict[str, Ratio]


@dataclass(frozen=True, slots=True)
class SimResult:
    """The simulation's figures; :mod:`puerta.fairness.report` prints and plots them."""

    buckets: list[Bucket]
    days: int
    persons: int
    requests: int
    capacity: int
    seniority_share: float
    seniority: dict[str, dict[str, float]]
    """Per draw: share of seats by seniority, mean days waited (seniority / random)."""
    replications: int = 1


def _capacity(total: int, port_shares: dict[str, float]) -> dict[str, int]:
    weight = sum(port_shares.values()) or 1.0
    caps = {p: int(total * s / weight) for p, s in port_shares.items()}
    for p in sorted(port_shares, key=port_shares.__getitem__, reverse=True)[
        : total - sum(caps.values())
    ]:
        caps[p] += 1
    return caps


def _randomness(seed: int, replication: int, day: int) -> bytes:
    return hashlib.sha256(f"puerta-simulation|{seed}|{replication}|{day}".encode()).digest()


def _pool_entries(pop: Population) -> list[PoolEntry]:
    return [
        PoolEntry(rid, reg, port, int(seats), at)
        for rid, reg, port, seats, at in pop.requests.select(
            "request_id", "registration_id", "port_code", "seats", "registered_at"
        ).iter_rows()
    ]


def _bucket_of(persons: pl.DataFrame) -> np.ndarray:
    held = persons["registrations"].fill_null(0).to_numpy()
    out = np.full(len(held), -1, dtype=np.int64)
    for i, (_, low, high) in enumerate(BUCKETS):
        out[(held >= low) & (held <= high)] = i
    out[persons["trick"].to_numpy()] = len(BUCKETS)
    return out


@dataclass
class _Tally:
    """One replication's daily counts, per group (buckets, then the trick)."""

    hits: dict[str, np.ndarray]
    exposure: np.ndarray
    wait: dict[str, dict[str, list[float]]]
    seats_by: dict[str, dict[str, int]]
    persons: int = 0
    requests: int = 0


def _run(
    pop: Population | list[Population],
    *,
    days: int,
    caps: dict[str, int],
    seed: int,
    replication: int,
    seniority_share: float,
    redraw: bool,
) -> _Tally:
    """Both draws, ``days`` times, over one population; persons seated per group and day."""
    n_groups = len(BUCKETS) + 1
    pools = pop if isinstance(pop, list) else None
    tally = _Tally(
        {d: np.zeros((days, n_groups), dtype=np.int64) for d in DRAWS},
        np.zeros((days, n_groups), dtype=np.int64),
        {d: {"seniority": [], "random": []} for d in DRAWS},
        {d: {} for d in DRAWS},
    )
    deferred: set[str] = set()  # registrations deferred by a draw, until they ask again
    dates_rng = np.random.default_rng([seed, 1, replication])
    for day in range(days):
        if pools is not None:
            pop = pools[day % len(pools)]
        elif day and redraw:
            pop = redraw_dates(pop, dates_rng)
        assert not isinstance(pop, list)
        bucket = _bucket_of(pop.persons)
        tally.exposure[day] = np.bincount(bucket[bucket >= 0], minlength=n_groups)
        tally.persons = max(tally.persons, pop.persons.height)
        tally.requests = pop.requests.height
        rnd = _randomness(seed, replication, day)
        picks = baseline.baseline_draw(_pool_entries(pop), caps, rnd, seniority_share)
        chosen = {"baseline": {p.request_id: p.reason for p in picks}}
        # Entrants are known by their registration, as in the service: a deferral is
        # kept by registration and honoured by its next request (request ids may change).
        asked = pop.requests.with_columns(
            public_id=pl.col("registration_id").cast(pl.Utf8),
            priority=pl.col("registration_id").cast(pl.Utf8).is_in(list(deferred)),
        )
        entrants = fair.form_entrants(asked, pop.travelers.select("request_id", "person"))
        alloc = fair.allocate(entrants.table, caps, rnd, seniority_share)
        deferred = (deferred - set(asked["public_id"].to_list())) | set(alloc.deferred)
        sel = entrants.members.filter(
            pl.col("entrant_id").is_in(list(alloc.selected)) & (pl.col("seats") > 0)
        )
        chosen["puerta"] = {
            rid: alloc.selected[eid]
            for rid, eid in sel.select("request_id", "entrant_id").iter_rows()
        }
        # Scored on true persons: a data set's pools carry them beside the resolver's.
        travelers = pop.travelers
        if "truth" not in travelers.columns:
            travelers = travelers.with_columns(truth=pl.col("person"))
        homes = entrants.homes.join(
            travelers.select("request_id", "person", "truth").unique(),
            on=["request_id", "person"],
        )
        seated_by = {
            "baseline": (travelers["request_id"].to_numpy(), travelers["truth"].to_numpy()),
            # Puerta seats each person by their home request (where they entered).
            "puerta": (homes["request_id"].to_numpy(), homes["truth"].to_numpy()),
        }
        drawn_on = np.datetime64(pop.pool_date or TODAY, "D")
        waited = (drawn_on - pop.persons["first_day"].to_numpy().astype("datetime64[D]")).astype(
            np.int64
        )
        for name in DRAWS:
            rows_req, people = seated_by[name]
            _score(tally, name, day, chosen[name], rows_req, people, bucket, waited)
    return tally


def _score(
    tally: _Tally,
    name: str,
    day: int,
    reason_of: dict[int, str],
    rows_req: np.ndarray,
    people: np.ndarray,
    bucket: np.ndarray,
    waited_of: np.ndarray,
) -> None:
    """Count each seated person once, in their group; note why and how long they waited."""
    mask = np.isin(rows_req, np.fromiter(reason_of, dtype=np.int64))
    seated, first_row = np.unique(people[mask], return_index=True)
    b = bucket[seated]
    tally.hits[name][day] = np.bincount(b[b >= 0], minlength=tally.exposure.shape[1])
    reasons = np.array([reason_of[int(r)] for r in rows_req[mask][first_row]])
    waited = waited_of[seated].astype(np.int64)
    for reason in ("seniority", "random"):
        tally.wait[name][reason].extend(waited[reasons == reason].tolist())
    for reason, n in zip(*np.unique(reasons, return_counts=True), strict=True):
        tally.seats_by[name][str(reason)] = tally.seats_by[name].get(str(reason), 0) + int(n)


def simulate(
    pop: Population | list[Population],
    *,
    days: int,
    capacity: int,
    seed: int = 0,
    seniority_share: float = 0.3,
    port_shares: dict[str, float] | None = None,
    bootstrap: int = 1000,
    redraw: bool = True,
    replications: int = 1,
    rebuild: Callable[[int], Population] | None = None,
) -> SimResult:
    """Draw ``days`` times with both algorithms, in each replication, and tally persons seated.

    Args:
        pop: the pool (every registration asks every day), or one pool per
            day (a data set's pools; then cycled, with dates as given).
        days: number of draws per replication.
        capacity: seats per day over all ports.
        seed: seeds the daily randomness and the bootstrap.
        seniority_share: as in the settings, for both draws.
        port_shares: split of capacity over ports (default: the settings').
        bootstrap: resamples for the confidence intervals.
        redraw: draw registration dates afresh each day (see
            :func:`puerta.fairness.model.redraw_dates`); the data-set mode
            passes a different real pool each day instead.
        replications: independent repetitions; replication ``k`` >= 1 runs
            on ``rebuild(k)`` (a fresh population) or, without ``rebuild``,
            on ``pop`` again with fresh randomness.
        rebuild: makes the population of replication ``k``.

    The estimate pools every replication and day: a group's rate is its
    persons seated over its persons present, summed. The 95% interval is a
    two-stage (hierarchical) percentile bootstrap: resample replications,
    then days within each; so it carries both the draw's randomness and the
    variation between populations. Households travel together, so persons
    are never resampled one by one.
    """
    from puerta.config import Settings

    caps = _capacity(capacity, port_shares or Settings().port_shares)
    tallies = []
    for k in range(replications):
        population = pop if k == 0 or rebuild is None else rebuild(k)
        tallies.append(
            _run(
                population,
                days=days,
                caps=caps,
                seed=seed,
                replication=k,
                seniority_share=seniority_share,
                redraw=redraw,
            )
        )
    return _summarise(tallies, days, capacity, seed, seniority_share, bootstrap)


def _summarise(
    tallies: list[_Tally],
    days: int,
    capacity: int,
    seed: int,
    seniority_share: float,
    bootstrap: int,
) -> SimResult:
    exposure = np.stack([t.exposure for t in tallies])  # replication x day x group
    hits = {d: np.stack([t.hits[d] for t in tallies]) for d in DRAWS}
    n_rep = len(tallies)
    rng = np.random.default_rng(seed)
    reps = rng.integers(0, n_rep, size=(bootstrap, n_rep))
    day_idx = rng.integers(0, days, size=(bootstrap, n_rep, days))
    boot_exp = exposure[reps[:, :, None], day_idx].sum(axis=(1, 2))
    names = [b[0] for b in BUCKETS] + [TRICK]
    out: list[Bucket] = []
    for g, name in enumerate(names):
        by_draw: dict[str, Ratio] = {}
        for d in DRAWS:
            rate = hits[d].sum(axis=(0, 1)) / np.maximum(exposure.sum(axis=(0, 1)), 1)
            boot = hits[d][reps[:, :, None], day_idx].sum(axis=(1, 2)) / np.maximum(boot_exp, 1)
            ratios = boot[:, g] / np.maximum(boot[:, 0], 1e-12)
            low, high = np.percentile(ratios, [2.5, 97.5])
            by_draw[d] = Ratio(
                float(rate[g]), float(rate[g] / max(rate[0], 1e-12)), float(low), float(high)
            )
        out.append(Bucket(name, int(exposure[:, :, g].max()), by_draw))
    seniority = {}
    for d in DRAWS:
        seats_by: dict[str, int] = {}
        waits: dict[str, list[float]] = {"seniority": [], "random": []}
        for t in tallies:
            for reason, n in t.seats_by[d].items():
                seats_by[reason] = seats_by.get(reason, 0) + n
            for reason in waits:
                waits[reason].extend(t.wait[d][reason])
        total = sum(seats_by.values()) or 1
        seniority[d] = {
            "seniority_share_of_persons": seats_by.get("seniority", 0) / total,
            "mean_wait_seniority": float(np.mean(waits["seniority"] or [0])),
            "mean_wait_random": float(np.mean(waits["random"] or [0])),
        }
    return SimResult(
        out,
        days,
        max(t.persons for t in tallies),
        tallies[-1].requests,
        capacity,
        seniority_share,
        seniority,
        n_rep,
    )
