"""Pools from a synthetic-population data set (``docs/data-formats.md``, schema v1).

Why: the built-in model is calibrated but simple; the data set carries names
written many ways, duplicates, bots and group-inclusion coalitions. Each pool
date becomes one pool: the active registrations whose ``request_dates`` hold
that date, at their ``requested_port``. The pools are consecutive dates (the
busiest run of ``days`` dates), in date order, so a group deferred by one
draw is first in the next one, as in the service.

Persons: the draw sees the persons of a
:class:`~puerta.identity.resolver.PersonResolver` run over the day's traveler
rows, as the service does. By default that is the trend analysis's identities
(Splink, :func:`puerta.trends.identity.resolve_persons` over every active
registration of the data set, once) on top of the normalised keys, through
:class:`~puerta.identity.resolver.LinkedResolver`; ``identities="keys"`` uses
the keys alone. The planted truth (``truth.parquet``: ``person_id``,
``coalition_id``) is kept only to score, so the figures include what the
resolver misses. Each traveler row carries both: ``person`` (the resolver's)
and ``truth`` (the true person, one number per person across all pools, as in
``persons``). A true person's registrations held, group trick and first
registration come from their pooled rows; waiting is counted up to the pool
date.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl

from puerta.dataset.files import table_path
from puerta.fairness.model import Population
from puerta.identity.resolver import (
    TRAVELER_COLUMNS,
    KeyResolver,
    LinkedResolver,
    PersonResolver,
)

_TRUTH_KEYS = ("registration_id", "traveler_index")


def load_pools(
    directory: Path,
    *,
    max_days: int | None = None,
    resolver: PersonResolver | None = None,
    identities: str = "splink",
) -> list[Population]:
    """One :class:`Population` per pool date: the busiest ``max_days`` consecutive dates.

    ``resolver`` overrides ``identities`` (``"splink"``: the trend analysis's
    identities plus the keys; ``"keys"``: the normalised keys alone).
    """
    if resolver is None and identities not in ("splink", "keys"):
        raise ValueError(f"identities must be 'splink' or 'keys', not {identities!r}")
    reg_path, truth_path = table_path(directory, "registrations"), table_path(directory, "truth")
    if reg_path is None or truth_path is None:
        raise FileNotFoundError(f"{directory} needs registrations and truth tables")
    wanted = [*_TRUTH_KEYS, "registration_status", "created_at", "requested_port"]
    wanted += ["request_dates", *TRAVELER_COLUMNS, "sex"]
    raw = _read(reg_path)
    reg = raw.select(c for c in wanted if c in raw.columns)
    truth = _read(truth_path).select(*_TRUTH_KEYS, "person_id", "coalition_id")
    rows = (
        reg.filter(pl.col("registration_status") == "active")
        .join(truth, on=list(_TRUTH_KEYS), how="left")
        .with_columns(pl.col("traveler_index").cast(pl.Int64))
    )
    if rows["person_id"].null_count():
        raise ValueError(f"{directory}: some registrations rows have no truth row")
    rows = rows.with_columns(truth=pl.col("person_id").rank("dense").cast(pl.Int64) - 1)
    asks = (
        rows.filter(pl.col("traveler_index") == 0)
        .select("registration_id", "requested_port", "created_at", "request_dates")
        .explode("request_dates")
        .drop_nulls("request_dates")
        .drop_nulls("requested_port")
        .rename({"request_dates": "pool_date"})
    )
    dates = _window(asks, max_days)
    # One integer per registration, the same on every day: the draw's request id.
    numbers = rows.select("registration_id").unique(maintain_order=True).with_row_index("rid")
    rows = rows.join(numbers, on="registration_id")
    asks = asks.filter(pl.col("pool_date").is_in(dates)).join(numbers, on="registration_id")
    resolve = resolver or _resolver(raw, rows, identities)
    return [
        _pool(rows, asks.filter(pl.col("pool_date") == day), resolve, day) for day in sorted(dates)
    ]


def _resolver(raw: pl.DataFrame, active: pl.DataFrame, identities: str) -> PersonResolver:
    """The draw's resolver: the keys, plus the trend analysis's identities (over the
    data set's ``active`` rows, once) if asked."""
    if identities == "keys":
        return KeyResolver()
    from puerta.trends import identity

    wanted = [c for c in identity.IDENTITY_COLUMNS if c != "doc_number"]
    reg = (
        raw.select(c for c in wanted if c in raw.columns)
        .with_columns(pl.col("traveler_index").cast(pl.Int64))
        .join(active.select(*_TRUTH_KEYS), on=list(_TRUTH_KEYS))
    )
    result = identity.resolve_persons(reg)
    labels = result.rows.select(
        "registration_id",
        pl.col("traveler_index").cast(pl.Int64),
        pl.col("person_id").alias("identity"),
    )
    return LinkedResolver(labels, on=_TRUTH_KEYS)


def seats_per_day(directory: Path, pools: list[Population]) -> int:
    """The data set's own daily capacity while ``pools`` were drawn: the median of seats
    booked per appointment day, from the first pool date to a week after the last
    (0 when the data set has no appointments table)."""
    path = table_path(directory, "appointments")
    dates = [p.pool_date for p in pools if p.pool_date is not None]
    if path is None or not dates:
        return 0
    appts = _read(path).with_columns(pl.col("day").cast(pl.Date), pl.col("seats").cast(pl.Int64))
    during = appts.filter(pl.col("day").is_between(min(dates), max(dates) + timedelta(days=7)))
    per_day = during.group_by("day").agg(pl.col("seats").sum())["seats"]
    return int(per_day.median() or 0)


def _window(asks: pl.DataFrame, days: int | None) -> list[date]:
    """The ``days`` consecutive pool dates with the most requests (all dates if ``None``)."""
    per_day = asks.group_by("pool_date").len().sort("pool_date")
    if per_day.is_empty():
        return []
    full = pl.DataFrame(
        {"pool_date": pl.date_range(per_day["pool_date"][0], per_day["pool_date"][-1], eager=True)}
    ).join(per_day, on="pool_date", how="left")
    counts = full["len"].fill_null(0).to_list()
    n = len(counts) if days is None else max(1, min(days, len(counts)))
    totals = [sum(counts[:n])]
    for i in range(n, len(counts)):
        totals.append(totals[-1] + counts[i] - counts[i - n])
    start = max(range(len(totals)), key=totals.__getitem__)
    chosen = full.slice(start, n).filter(pl.col("len").is_not_null())
    return chosen["pool_date"].to_list()


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    frame = pl.read_csv(path, infer_schema=False)
    if "request_dates" in frame.columns:
        frame = frame.with_columns(
            pl.col("request_dates").str.split(";").list.eval(pl.element().str.to_date())
        )
    return frame.with_columns(
        *(pl.col(c).cast(pl.Int16) for c in ("traveler_index",) if c in frame.columns),
        *(pl.col(c).str.to_date() for c in ("date_of_birth", "day") if c in frame.columns),
        *(pl.col(c).str.to_datetime() for c in ("created_at",) if c in frame.columns),
    )


def _pool(rows: pl.DataFrame, asks: pl.DataFrame, resolve: PersonResolver, day: date) -> Population:
    requests = asks.select(
        pl.col("rid").cast(pl.Int64).alias("request_id"),
        "registration_id",
        pl.col("requested_port").alias("port_code"),
        pl.col("created_at").alias("registered_at"),
    ).sort("request_id")
    trav = (
        rows.join(requests.select("request_id"), left_on="rid", right_on="request_id")
        .rename({"rid": "request_id"})
        .sort("request_id", "traveler_index")
    )
    # The draw's persons: the resolver's, on this day's rows. Truth is for scoring only.
    person = resolve.resolve(trav)
    trav = trav.with_columns(person=pl.Series(person, dtype=pl.Int64))
    seats = trav.group_by("request_id").len().rename({"len": "seats"})
    requests = requests.join(seats, on="request_id").sort("request_id")
    persons = (
        trav.group_by(pl.col("truth").alias("person"))
        .agg(
            registrations=pl.col("registration_id").n_unique(),
            trick=pl.col("coalition_id").is_not_null().any(),
            first_day=pl.col("created_at").min().cast(pl.Date),
        )
        .sort("person")
    )
    travelers = trav.select("request_id", "person", "truth")
    return Population(
        requests,
        travelers,
        persons,
        travelers,
        pl.DataFrame(schema={"person": pl.Int64, "extra": pl.Int64, "own": pl.Int64}),
        pool_date=day,
    )
