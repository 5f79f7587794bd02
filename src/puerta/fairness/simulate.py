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
from datetime import date

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
WAIT_EDGES = np.arange(1, 366)
"""Waiting bands: days since a person's first registration, one band a day up
to a year. Seniority seats go by the day a person first registered, so
persons are compared with those who first registered the same day."""
N_BANDS = len(WAIT_EDGES) + 1
_BOOT_CHUNK = 50  # bootstrap resamples computed at once (memory: 50 x groups x cells)


@dataclass(frozen=True, slots=True)
class Ratio:
    """A bucket's chance of a seat relative to one-registration persons, with a 95% CI.

    ``ratio`` (and its interval) compares like with like: persons at the same
    port who have waited as long (see :func:`standardised_ratio`); ``crude``
    is the plain ratio of daily rates, which also carries any difference in
    waiting time or port between the groups.
    """

    rate: float
    ratio: float
    low: float
    high: float
    crude: float = float("nan")


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


def _bucket_of(persons: pl.DataFrame) -> np.ndarray:
    held = persons["registrations"].fill_null(0).to_numpy()
    out = np.full(len(held), -1, dtype=np.int64)
    for i, (_, low, high) in enumerate(BUCKETS):
        out[(held >= low) & (held <= high)] = i
    out[persons["trick"].to_numpy()] = len(BUCKETS)
    return out


@dataclass
class _Tally:
    """One replication's daily counts, per group (buckets, then the trick) and stratum
    (port x waiting band): arrays of day x group x stratum."""

    hits: dict[str, np.ndarray]
    exposure: dict[str, np.ndarray]
    """Per draw, persons present in the pool per day and group (a data set's replay
    removes the persons a draw has seated, so each draw has its own)."""
    wait: dict[str, dict[str, list[float]]]
    seats_by: dict[str, dict[str, int]]
    persons: int = 0
    requests: int = 0


def _new_tally(days: int, n_strata: int) -> _Tally:
    shape = (days, len(BUCKETS) + 1, n_strata)
    return _Tally(
        {d: np.zeros(shape, dtype=np.int64) for d in DRAWS},
        {d: np.zeros(shape, dtype=np.int64) for d in DRAWS},
        {d: {"seniority": [], "random": []} for d in DRAWS},
        {d: {} for d in DRAWS},
    )


def _puerta(
    pop_requests: pl.DataFrame,
    travelers: pl.DataFrame,
    caps: dict[str, int],
    rnd: bytes,
    seniority_share: float,
    deferred: set[str],
) -> tuple[dict[int, str], pl.DataFrame, set[str]]:
    """Puerta's draw on one pool: reason per seated request, the home rows it seats
    (``request_id``, ``person``), and the registrations deferred for next time.

    Entrants are known by their registration, as in the service: a deferral is
    kept by registration and honoured by its next request (request ids may change).
    """
    asked = pop_requests.with_columns(
        public_id=pl.col("registration_id").cast(pl.Utf8),
        priority=pl.col("registration_id").cast(pl.Utf8).is_in(list(deferred)),
    )
    entrants = fair.form_entrants(asked, travelers.select("request_id", "person"))
    alloc = fair.allocate(entrants.table, caps, rnd, seniority_share)
    still = (deferred - set(asked["public_id"].to_list())) | set(alloc.deferred)
    sel = entrants.members.filter(
        pl.col("entrant_id").is_in(list(alloc.selected)) & (pl.col("seats") > 0)
    )
    chosen = {
        rid: alloc.selected[eid] for rid, eid in sel.select("request_id", "entrant_id").iter_rows()
    }
    return chosen, entrants.homes, still


def _home_port(
    requests: pl.DataFrame, travelers: pl.DataFrame, who: str, ports: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Each person of the pool (numbers from column ``who``) and their port (index
    into ``ports``): the port of their oldest request, where Puerta enters them."""
    rows = (
        travelers.select("request_id", pl.col(who).alias("p"))
        .join(requests.select("request_id", "port_code", "registered_at"), on="request_id")
        .sort("registered_at", "request_id")
        .unique("p", keep="first")
    )
    index = {code: i for i, code in enumerate(ports)}
    port = rows["port_code"].replace_strict(index, default=0, return_dtype=pl.Int64)
    return rows["p"].to_numpy(), port.to_numpy()


def _stratum(port: np.ndarray, waited: np.ndarray) -> np.ndarray:
    """Port x waiting band (days since first registration)."""
    return port * N_BANDS + np.searchsorted(WAIT_EDGES, waited, side="right")


def _cells(bucket: np.ndarray, stratum: np.ndarray, n_strata: int) -> np.ndarray:
    """Persons per group x stratum (persons with no group are left out)."""
    keep = bucket >= 0
    flat = bucket[keep] * n_strata + stratum[keep]
    return np.bincount(flat, minlength=(len(BUCKETS) + 1) * n_strata).reshape(-1, n_strata)


def _run(
    pop: Population,
    *,
    days: int,
    caps: dict[str, int],
    seed: int,
    replication: int,
    seniority_share: float,
    redraw: bool,
) -> _Tally:
    """Both draws, ``days`` times, over the built-in population (everyone asks every
    day); persons seated per group, stratum and day."""
    ports = sorted(caps)
    n_strata = len(ports) * N_BANDS
    tally = _new_tally(days, n_strata)
    deferred: set[str] = set()  # registrations deferred by a draw, until they ask again
    dates_rng = np.random.default_rng([seed, 1, replication])
    for day in range(days):
        if day and redraw:
            pop = redraw_dates(pop, dates_rng)
        bucket = _bucket_of(pop.persons)
        drawn_on = np.datetime64(pop.pool_date or TODAY, "D")
        waited = (drawn_on - pop.persons["first_day"].to_numpy().astype("datetime64[D]")).astype(
            np.int64
        )
        home = np.zeros(len(waited), dtype=np.int64)
        who, where = _home_port(pop.requests, pop.travelers, "person", ports)
        home[who] = where
        stratum = _stratum(home, waited)
        for name in DRAWS:
            tally.exposure[name][day] = _cells(bucket, stratum, n_strata)
        tally.persons = max(tally.persons, pop.persons.height)
        tally.requests = pop.requests.height
        rnd = _randomness(seed, replication, day)
        picks = baseline.baseline_draw(_entries(pop.requests), caps, rnd, seniority_share)
        chosen = {"baseline": {p.request_id: p.reason for p in picks}}
        chosen["puerta"], homes, deferred = _puerta(
            pop.requests, pop.travelers, caps, rnd, seniority_share, deferred
        )
        travelers = pop.travelers
        seated_by = {
            "baseline": (travelers["request_id"].to_numpy(), travelers["person"].to_numpy()),
            # Puerta seats each person by their home request (where they entered).
            "puerta": (homes["request_id"].to_numpy(), homes["person"].to_numpy()),
        }
        for name in DRAWS:
            rows_req, people = seated_by[name]
            _score(tally, name, day, chosen[name], rows_req, people, bucket, stratum, waited)
    return tally


def _replay(
    pools: list[Population],
    *,
    days: int,
    caps: dict[str, int],
    seed: int,
    replication: int,
    seniority_share: float,
) -> _Tally:
    """Both draws over a data set's pools, day after day, each with its own history.

    Why a history per draw: a person a draw seats has an appointment and stops
    asking, so the draw's later pools no longer hold them (their other
    registrations included); without that, the longest-waiting would take the
    seniority seats every day. Removal follows the true person (people know
    who they are), the draw itself sees only its resolver's persons.

    A group Puerta defers is told it goes first in its next draw at the port,
    so it asks again the next day, whether or not the data set's history has
    it asking (that history was written by another draw). The report's draw
    makes no such promise.
    """
    ports = sorted(caps)
    n_strata = len(ports) * N_BANDS
    tally = _new_tally(days, n_strata)
    n_truth = 1 + max(int(p.travelers["truth"].max() or 0) for p in pools)
    gone = {d: np.zeros(n_truth, dtype=bool) for d in DRAWS}
    # A person's group, first day and port, as of the last pool that held them.
    bucket = np.full(n_truth, -1, dtype=np.int64)
    first = np.zeros(n_truth, dtype=np.int64)
    port = np.zeros(n_truth, dtype=np.int64)
    deferred: set[str] = set()
    carry = (pools[0].requests.head(0), pools[0].travelers.head(0))
    for day in range(days):
        pop = pools[day % len(pools)]
        persons = pop.persons.sort("person")
        ids = persons["person"].to_numpy()
        bucket[ids] = _bucket_of(persons)
        first[ids] = persons["first_day"].cast(pl.Date).to_physical().to_numpy()
        who, where = _home_port(pop.requests, pop.travelers, "truth", ports)
        port[who] = where
        drawn_on = (pop.pool_date or TODAY).toordinal() - date(1970, 1, 1).toordinal()
        waited = drawn_on - first
        stratum = _stratum(port, waited)
        rnd = _randomness(seed, replication, day)
        for name in DRAWS:
            pool_requests, pool_travelers = pop.requests, pop.travelers
            if name == "puerta" and carry[0].height:
                back = carry[0].filter(~pl.col("request_id").is_in(pop.requests["request_id"]))
                pool_requests = pl.concat([pool_requests, back])
                pool_travelers = pl.concat(
                    [
                        pool_travelers,
                        carry[1].filter(pl.col("request_id").is_in(back["request_id"])),
                    ]
                )
            truth = pool_travelers["truth"].to_numpy()
            keep = ~gone[name][truth]
            travelers = pool_travelers.filter(pl.Series(keep))
            seats = travelers.group_by("request_id").len("seats")
            requests = pool_requests.drop("seats").join(seats, on="request_id").sort("request_id")
            present = np.unique(truth[keep])
            tally.exposure[name][day] = _cells(bucket[present], stratum[present], n_strata)
            tally.persons = max(tally.persons, len(present))
            tally.requests = max(tally.requests, requests.height)
            if name == "baseline":
                picks = baseline.baseline_draw(_entries(requests), caps, rnd, seniority_share)
                chosen = {p.request_id: p.reason for p in picks}
                rows = travelers.select("request_id", "truth")
            else:
                chosen, homes, deferred = _puerta(
                    requests, travelers, caps, rnd, seniority_share, deferred
                )
                rows = homes.join(
                    travelers.select("request_id", "person", "truth").unique(),
                    on=["request_id", "person"],
                ).select("request_id", "truth")
                again = pool_requests.filter(pl.col("registration_id").is_in(list(deferred)))
                carry = (
                    again,
                    pool_travelers.filter(pl.col("request_id").is_in(again["request_id"])),
                )
            rows_req, people = rows["request_id"].to_numpy(), rows["truth"].to_numpy()
            _score(tally, name, day, chosen, rows_req, people, bucket, stratum, waited)
            seated = people[np.isin(rows_req, np.fromiter(chosen, dtype=np.int64))]
            gone[name][seated] = True
    return tally


def _entries(requests: pl.DataFrame) -> list[PoolEntry]:
    return [
        PoolEntry(rid, reg, port, int(seats), at)
        for rid, reg, port, seats, at in requests.select(
            "request_id", "registration_id", "port_code", "seats", "registered_at"
        ).iter_rows()
    ]


def _score(
    tally: _Tally,
    name: str,
    day: int,
    reason_of: dict[int, str],
    rows_req: np.ndarray,
    people: np.ndarray,
    bucket: np.ndarray,
    stratum: np.ndarray,
    waited_of: np.ndarray,
) -> None:
    """Count each seated person once, in their group and stratum; note why and how
    long they waited."""
    mask = np.isin(rows_req, np.fromiter(reason_of, dtype=np.int64))
    seated, first_row = np.unique(people[mask], return_index=True)
    tally.hits[name][day] = _cells(bucket[seated], stratum[seated], tally.hits[name].shape[2])
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
            day (a data set's pools, replayed in order with a history per
            draw: see :func:`_replay`; cycled if ``days`` is longer).
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
    persons seated over its persons present, summed (a daily rate: among
    those still waiting, the share seated that day). For the built-in model
    the 95% interval is a two-stage (hierarchical) percentile bootstrap:
    resample replications, then days within each; so it carries both the
    draw's randomness and the variation between populations. A data set's
    replay carries state from day to day (who has been seated), so its days
    are not independent: its interval resamples whole replications, and
    answers "how would this population fare under the draw's randomness".
    Households travel together, so persons are never resampled one by one.
    """
    from puerta.config import Settings

    caps = _capacity(capacity, port_shares or Settings().port_shares)
    tallies = []
    for k in range(replications):
        if isinstance(pop, list):
            tally = _replay(
                pop,
                days=days,
                caps=caps,
                seed=seed,
                replication=k,
                seniority_share=seniority_share,
            )
        else:
            tally = _run(
                pop if k == 0 or rebuild is None else rebuild(k),
                days=days,
                caps=caps,
                seed=seed,
                replication=k,
                seniority_share=seniority_share,
                redraw=redraw,
            )
        tallies.append(tally)
    by_day = not isinstance(pop, list)
    return _summarise(tallies, days, capacity, seed, seniority_share, bootstrap, by_day=by_day)


def standardised_ratio(hits: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Each group's seats over the seats it would have had at the rates of
    one-registration persons of the same stratum (indirect standardisation).

    Why: seniority seats go to the longest-waiting by design, and persons who
    hold more registrations have often waited longer; ports differ in seats
    per person asking. A crude ratio of rates would mix those in; this one
    asks "does a person with more registrations do better than a person with
    one at the same port who has waited as long?". Strata where no
    one-registration person was present are left out of both sides.

    Args:
        hits, exposure: ``(..., group, stratum)`` counts; group 0 is the
            reference (one registration).

    Returns:
        ``(..., group)`` ratios (group 0 is 1 wherever it was present).
    """
    ref_exp = exposure[..., 0, :]
    covered = ref_exp > 0
    ref_rate = np.where(covered, hits[..., 0, :] / np.maximum(ref_exp, 1), 0.0)
    expected = (exposure * (ref_rate * covered)[..., None, :]).sum(axis=-1)
    observed = (hits * covered[..., None, :]).sum(axis=-1)
    return observed / np.maximum(expected, 1e-12)


def _weights(
    rng: np.random.Generator, bootstrap: int, n_rep: int, days: int, by_day: bool
) -> np.ndarray:
    """How often each (replication, day) enters each bootstrap resample."""
    reps = rng.integers(0, n_rep, size=(bootstrap, n_rep))
    weights = np.zeros((bootstrap, n_rep, days))
    if by_day:
        day_idx = rng.integers(0, days, size=(bootstrap, n_rep, days))
        b = np.broadcast_to(np.arange(bootstrap)[:, None, None], day_idx.shape)
        np.add.at(weights, (b, np.broadcast_to(reps[:, :, None], day_idx.shape), day_idx), 1)
    else:
        b = np.broadcast_to(np.arange(bootstrap)[:, None], reps.shape)
        np.add.at(weights, (b, reps), 1)
    return weights


def _summarise(
    tallies: list[_Tally],
    days: int,
    capacity: int,
    seed: int,
    seniority_share: float,
    bootstrap: int,
    *,
    by_day: bool = True,
) -> SimResult:
    # replication x day x group x stratum, per draw
    exposure = {d: np.stack([t.exposure[d] for t in tallies]).astype(float) for d in DRAWS}
    hits = {d: np.stack([t.hits[d] for t in tallies]).astype(float) for d in DRAWS}
    n_rep = len(tallies)
    weights = _weights(np.random.default_rng(seed), bootstrap, n_rep, days, by_day)
    names = [b[0] for b in BUCKETS] + [TRICK]
    point: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    boot: dict[str, np.ndarray] = {}
    for d in DRAWS:
        # Persons are compared within a cell: one draw (day), one port, one first day.
        day, stratum = np.nonzero(exposure[d].sum(axis=(0, 2)))
        h = hits[d][:, day, :, stratum].transpose(1, 2, 0)  # replication x group x cell
        e = exposure[d][:, day, :, stratum].transpose(1, 2, 0)
        total_h, total_e = h.sum(axis=0), e.sum(axis=0)
        rate = total_h.sum(axis=1) / np.maximum(total_e.sum(axis=1), 1)
        crude = rate / max(rate[0], 1e-12)
        point[d] = (rate, standardised_ratio(total_h, total_e), crude)
        parts = []
        for start in range(0, bootstrap, _BOOT_CHUNK):
            w = weights[start : start + _BOOT_CHUNK][:, :, day]  # resample x replication x cell
            parts.append(
                standardised_ratio(np.einsum("brc,rgc->bgc", w, h), np.einsum("brc,rgc->bgc", w, e))
            )
        boot[d] = np.concatenate(parts)
    out: list[Bucket] = []
    for g, name in enumerate(names):
        by_draw: dict[str, Ratio] = {}
        for d in DRAWS:
            rate, ratio, crude = point[d]
            low, high = np.percentile(boot[d][:, g], [2.5, 97.5])
            by_draw[d] = Ratio(
                float(rate[g]), float(ratio[g]), float(low), float(high), float(crude[g])
            )
        # persons in the group on the busiest day, in the pools as given (baseline's view)
        out.append(Bucket(name, int(exposure["baseline"][:, :, g].sum(axis=-1).max()), by_draw))
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
