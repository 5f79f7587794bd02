"""A built-in synthetic pool, calibrated to the report, for when no data set is given.

Why: the fairness simulation must run without the synthetic-population data
set (``--data DIR``). This model keeps only what the draws care about:
households that travel together, how many registrations each holds, when it
first registered, which port it asks for, and persons slipped into other
households' groups (the group-inclusion trick).

Calibration (OIG-24-48, "Unequal chances" and Table 2): 52,992 of 1,336,401
persons (3.97%) created at least 10 registrations; the top ten held 293 to 466
each. Registrations per household: 1 with probability 0.80; 2..9 with 0.1603
in total, halving at each step; 10 or more with 0.0397, from a Pareto tail
(alpha 2.54, which puts about ten of 52,992 above 293) truncated at 466. The
split of the first two is our assumption; the report does not give it.
Everyone asks every day ("not selected: ask again tomorrow"), so one pool
serves every simulated day and only the randomness changes.

Example:
    >>> pop = build_population(2_000, seed=1)
    >>> pop.persons.height
    2000
    >>> pop.persons["registrations"].min() >= 1
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from puerta.config import Settings

SHARE_TEN_PLUS = 52_992 / 1_336_401
TOP_CAP = 466
PARETO_ALPHA = 2.54
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_WEIGHTS = (0.45, 0.20, 0.16, 0.11, 0.06, 0.02)
TODAY = date(2023, 6, 1)
WAIT_DAYS = 180


@dataclass(frozen=True, slots=True)
class Population:
    """One simulated pool.

    ``requests``: ``request_id``, ``registration_id``, ``port_code``,
    ``registered_at`` (date), ``seats``. ``travelers``: ``request_id``,
    ``person``. ``persons``: ``person``, ``registrations`` (held, in the
    pool), ``trick`` (slipped into other households' groups), ``first_day``.
    """

    requests: pl.DataFrame
    travelers: pl.DataFrame
    persons: pl.DataFrame
    base_travelers: pl.DataFrame
    """Travelers before the trick rows are added."""
    trick_plan: pl.DataFrame
    """``person``, ``extra`` (groups to slip into), ``own`` (their registration)."""
    pool_date: date | None = None
    """The day the pool is drawn (waiting is counted up to it); ``None``: :data:`TODAY`.

    A data set's pools also carry ``truth`` in ``travelers``: ``person`` is
    then who the draw sees (the resolver's), ``truth`` who is scored."""


def registrations_per_household(rng: np.random.Generator, n: int) -> np.ndarray:
    """Registrations held by each of ``n`` households (see the module docstring)."""
    u = rng.random(n)
    k = np.ones(n, dtype=np.int64)
    p_one, p_tail = 0.80, SHARE_TEN_PLUS
    mid = (u >= p_one) & (u < 1 - p_tail)
    steps = np.arange(2, 10)
    weights = 0.5 ** (steps - 2)
    k[mid] = rng.choice(steps, size=int(mid.sum()), p=weights / weights.sum())
    tail = u >= 1 - p_tail
    pareto = 10 * rng.random(int(tail.sum())) ** (-1 / PARETO_ALPHA)
    k[tail] = np.minimum(TOP_CAP, np.floor(pareto)).astype(np.int64)
    return k


def build_population(
    persons: int, seed: int = 0, trick_share: float = 0.02, settings: Settings | None = None
) -> Population:
    """Draw a population of about ``persons`` people and their registrations."""
    rng = np.random.default_rng(seed)
    shares = (settings or Settings()).port_shares
    ports = sorted(shares)
    p_port = np.array([shares[p] for p in ports]) / sum(shares.values())
    n_h = int(persons / np.dot(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS) * 1.1) + 10
    size = rng.choice(HOUSEHOLD_SIZES, size=n_h, p=HOUSEHOLD_WEIGHTS)
    size = size[np.cumsum(size) <= persons]
    size = np.append(size, persons - size.sum()) if persons > size.sum() else size
    n_h = len(size)
    first_person = np.concatenate([[0], np.cumsum(size)[:-1]])
    k = registrations_per_household(rng, n_h)
    port = rng.choice(len(ports), size=n_h, p=p_port)
    reg_household = np.repeat(np.arange(n_h), k)
    n_reg = len(reg_household)

    trav_req = np.repeat(np.arange(n_reg), size[reg_household])
    offset = np.arange(len(trav_req)) - np.repeat(
        np.cumsum(size[reg_household]) - size[reg_household], size[reg_household]
    )
    trav_person = first_person[reg_household][trav_req] + offset

    # The group trick: lone persons with one registration slip into 1-4 other groups
    # (which groups is drawn with the dates, in redraw_dates).
    lone = np.flatnonzero((size == 1) & (k == 1))
    n_trick = min(len(lone), int(trick_share * persons))
    trick_households = rng.choice(lone, size=n_trick, replace=False)
    tricksters = first_person[trick_households]
    extra = rng.integers(1, 5, size=n_trick)
    base = pl.DataFrame({"request_id": trav_req, "person": trav_person}).sort("request_id")
    seats = base.group_by("request_id").len().sort("request_id")["len"].to_numpy()
    own = np.concatenate([[0], np.cumsum(k)[:-1]])[trick_households]
    requests = pl.DataFrame(
        {
            "request_id": np.arange(n_reg),
            "registration_id": [f"R{i}" for i in range(n_reg)],
            "port_code": np.asarray(ports)[port[reg_household]],
            "registered_at": [TODAY] * n_reg,
            "seats": seats,
            "household": reg_household,
            "trick_own": np.isin(np.arange(n_reg), own),
        }
    )
    plan = pl.DataFrame({"person": tricksters, "extra": extra, "own": own})
    trick = np.zeros(persons, dtype=bool)
    trick[tricksters] = True
    held = base.group_by("person").agg(registrations=pl.len())
    persons_frame = (
        pl.DataFrame({"person": np.arange(persons), "trick": trick})
        .join(held, on="person", how="left")
        .join(plan.select("person", "extra"), on="person", how="left")
        .with_columns(pl.col("registrations") + pl.col("extra").fill_null(0))
        .drop("extra")
        .sort("person")
    )
    return redraw_dates(Population(requests, base, persons_frame, base, plan), rng)


def redraw_dates(pop: Population, rng: np.random.Generator) -> Population:
    """Draw afresh when each registration was made (``registered_at``, ``first_day``).

    Why: the simulation treats days as independent samples of a pool. With
    the dates fixed, the seniority seats would go to the same few households
    every day and swamp the comparison by registrations held.

    A household first registered 0-179 days ago; its other registrations
    came later. A trickster's own registration is their first: the groups
    they slip into are made after it.
    """
    household = pop.requests["household"].to_numpy()
    n_h = int(household.max()) + 1 if len(household) else 0
    waited = rng.integers(0, WAIT_DAYS, size=n_h)
    first_of = np.flatnonzero(np.diff(household, prepend=-1) != 0)
    later = (rng.random(len(household)) * (waited[household] + 1)).astype(np.int64)
    age = waited[household] - later
    age[first_of] = waited  # each household's first registration is its oldest
    requests = pop.requests.with_columns(
        registered_at=pl.lit(TODAY) - pl.duration(days=pl.Series(age))
    )
    # Each trickster slips into groups registered no earlier than their own registration.
    by_age = np.argsort(-age, kind="stable")  # oldest first
    plan = pop.trick_plan
    own_age = age[plan["own"].to_numpy()]
    older = np.searchsorted(-age[by_age], -own_age, side="left")  # registrations older
    n = len(age)
    reps = plan["extra"].to_numpy()
    low = np.repeat(older, reps)
    pick = low + (rng.random(len(low)) * (n - low)).astype(np.int64)
    trick_rows = pl.DataFrame(
        {"request_id": by_age[np.minimum(pick, n - 1)], "person": np.repeat(plan["person"], reps)}
    )
    travelers = (
        pl.concat([pop.base_travelers, trick_rows.cast(pop.base_travelers.schema)])
        .unique()
        .sort("request_id", "person")
    )
    first = (
        travelers.join(requests.select("request_id", "registered_at"), on="request_id")
        .group_by("person")
        .agg(first_day=pl.col("registered_at").min())
    )
    persons = pop.persons.drop("first_day", strict=False).join(first, on="person", how="left")
    seats = travelers.group_by("request_id").len().rename({"len": "seats"})
    requests = requests.drop("seats").join(seats, on="request_id").sort("request_id")
    return Population(
        requests, travelers, persons.sort("person"), pop.base_travelers, pop.trick_plan
    )
