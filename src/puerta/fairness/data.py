"""Pools from a synthetic-population data set (``docs/data-formats.md``, schema v1).

Why: the built-in model is calibrated but simple; the data set carries names
written many ways, duplicates, bots and group-inclusion coalitions. Each pool
date becomes one pool: the active registrations that asked that day, at
their ``requested_port``. Persons, buckets and the group trick come from the
planted truth (``truth.parquet``: ``person_id``, ``coalition_id``), so the
figures measure the draw given correct persons. Not yet done: drawing on
the resolver's persons while scoring on the truth (to include what the
keys miss).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from puerta.dataset.files import table_path
from puerta.fairness.model import Population


def load_pools(directory: Path, *, max_days: int | None = None) -> list[Population]:
    """One :class:`Population` per pool date, busiest dates first."""
    reg_path, truth_path = table_path(directory, "registrations"), table_path(directory, "truth")
    if reg_path is None or truth_path is None:
        raise FileNotFoundError(f"{directory} needs registrations and truth tables")
    reg = _read(reg_path).with_row_index("row")
    truth = _read(truth_path).select("person_id", "coalition_id").with_row_index("row")
    rows = reg.join(truth, on="row").filter(pl.col("registration_status") == "active")
    rows = rows.with_columns(true_person=pl.col("person_id").rank("dense").cast(pl.Int64) - 1)
    asks = (
        rows.filter(pl.col("traveler_index") == 0)
        .select("registration_id", "requested_port", "created_at", pl.col("request_dates"))
        .explode("request_dates")
        .drop_nulls("request_dates")
    )
    dates = asks.group_by("request_dates").len().sort("len", descending=True)["request_dates"]
    pools = []
    for day in dates.to_list()[:max_days]:
        pools.append(_pool(rows, asks.filter(pl.col("request_dates") == day)))
    return pools


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    frame = pl.read_csv(path, infer_schema=False)
    if "request_dates" in frame.columns:
        frame = frame.with_columns(
            pl.col("request_dates").str.split(";").list.eval(pl.element().str.to_date())
        )
    return frame.with_columns(
        *(pl.col(c).str.to_date() for c in ("date_of_birth",) if c in frame.columns),
        *(pl.col(c).str.to_datetime() for c in ("created_at",) if c in frame.columns),
    )


def _pool(rows: pl.DataFrame, asks: pl.DataFrame) -> Population:
    requests = asks.with_row_index("request_id").select(
        pl.col("request_id").cast(pl.Int64),
        "registration_id",
        pl.col("requested_port").alias("port_code"),
        pl.col("created_at").cast(pl.Date).alias("registered_at"),
    )
    trav = rows.join(requests.select("registration_id", "request_id"), on="registration_id")
    # Persons are renumbered 0..n-1 by truth; the draw sees the resolver's persons.
    truth = trav.select(pl.col("true_person").rank("dense").cast(pl.Int64) - 1)
    trav = trav.with_columns(person=truth.to_series())
    seats = trav.group_by("request_id").len().rename({"len": "seats"})
    requests = requests.join(seats, on="request_id").sort("request_id")
    persons = (
        trav.group_by("person")
        .agg(
            registrations=pl.col("registration_id").n_unique(),
            trick=pl.col("coalition_id").is_not_null().any(),
            first_day=pl.col("created_at").min().cast(pl.Date),
        )
        .sort("person")
    )
    truth_rows = trav.select("request_id", "person")
    empty = pl.DataFrame({"person": np.zeros(0, np.int64)})
    return Population(requests, truth_rows, persons, truth_rows, empty)
