"""Location signals at one point: shared coordinates and implausible ones (see
``trends.location``).
"""

from __future__ import annotations

import math

import polars as pl

from puerta.findings import explain as fx
from puerta.findings.value import (
    IMPLAUSIBLE_LOCATION,
    SHARED_COORDINATES,
    Finding,
    TravelerRef,
    stable_key,
)
from puerta.trends.frame import guard
from puerta.trends.location import LocationConfig, ask, at_default, decimals, refs, show_point
from puerta.trends.location_defaults import known_default

# --- shared coordinates -------------------------------------------------------------------


def _owners(frame: pl.DataFrame) -> pl.DataFrame:
    """Each registration's owner's person key (the lowest position)."""
    df = guard(frame, ("registration_id", "position", "person_key"))
    return (
        df.sort("registration_id", "position")
        .unique(subset="registration_id", keep="first")
        .select("registration_id", "person_key")
    )


def find_shared_coordinates(
    reads: pl.DataFrame,
    frame: pl.DataFrame,
    travelers: dict[str, list[TravelerRef]],
    config: LocationConfig,
) -> list[Finding]:
    """One finding per point to the metre reported for several different travelers.

    Points at a listed default are left to ``implausible_location``, which names them.
    """
    pts = (
        reads.filter(~at_default())
        .with_columns(
            point=pl.concat_str(
                [pl.col("latitude").round(5), pl.col("longitude").round(5)], separator=","
            )
        )
        .join(_owners(frame), on="registration_id", how="left")
        .with_columns(person_key=pl.coalesce("person_key", "registration_id"))
    )
    groups = (
        pts.group_by("point")
        .agg(
            pl.col("registration_id").unique().sort(),
            pl.col("person_key").n_unique().alias("persons"),
            pl.col("reported_at").min().alias("start"),
            pl.col("reported_at").max().alias("end"),
            pl.col("latitude").first(),
            pl.col("longitude").first(),
            pl.len().alias("readings"),
        )
        .filter(pl.col("persons") >= config.shared_min_persons)
        .sort("point")
    )
    out = []
    for g in groups.iter_rows(named=True):
        rids = [str(r) for r in g["registration_id"]]
        shown = show_point(round(g["latitude"], 5), round(g["longitude"], 5))
        out.append(
            Finding(
                kind=SHARED_COORDINATES,
                key=stable_key(SHARED_COORDINATES, g["point"]),
                score=round(float(g["persons"]), 2),
                explanation=(
                    fx.sentence(
                        fx.LOCATION_SHARED,
                        registrations=len(rids),
                        persons=g["persons"],
                        point=shown,
                        start=g["start"],
                        end=g["end"],
                    ),
                    fx.sentence(fx.LOCATION_SHARED_WHY),
                    ask(),
                ),
                evidence={
                    "point": shown,
                    "registrations": len(rids),
                    "persons": g["persons"],
                    "readings": g["readings"],
                    "start": g["start"].isoformat(),
                    "end": g["end"].isoformat(),
                },
                registration_ids=tuple(rids),
                travelers=refs(rids, travelers),
                normalised_keys=(f"point:{g['point']}",),
            )
        )
    return out


# --- implausible coordinates --------------------------------------------------------------


def _written_within(col: str, places: int) -> pl.Expr:
    """The coordinate is written with at most ``places`` decimals (vectorised ``decimals``)."""
    scaled = pl.col(col) * (10.0**places)
    return (scaled - scaled.round()).abs() < 1e-6


def implausible_readings(reads: pl.DataFrame, config: LocationConfig) -> pl.DataFrame:
    """Readings with a reason to doubt them: ``reason`` is default, coarse, accuracy or frozen."""
    marked = reads.with_columns(
        at_default=at_default(),
        coarse=_written_within("latitude", config.coarse_max_decimals)
        & _written_within("longitude", config.coarse_max_decimals),
        exact=pl.col("accuracy_m") < config.min_accuracy_m,
        fine=~(
            _written_within("latitude", config.frozen_min_decimals - 1)
            & _written_within("longitude", config.frozen_min_decimals - 1)
        ),
    )
    repeated = (
        marked.filter("fine")
        .group_by("registration_id", "latitude", "longitude")
        .agg(
            pl.len().alias("count"),
            (
                (pl.col("reported_at").max() - pl.col("reported_at").min()).dt.total_seconds()
                / 3600.0
            ).alias("hours"),
            pl.col("reported_at").min(),
        )
        .filter((pl.col("count") >= 2) & (pl.col("hours") >= config.frozen_min_hours))
        .with_columns(reason=pl.lit("frozen"))
    )
    single = pl.concat(
        [
            marked.filter("at_default").with_columns(reason=pl.lit("default")),
            marked.filter(pl.col("coarse") & ~pl.col("at_default")).with_columns(
                reason=pl.lit("coarse")
            ),
            marked.filter(pl.col("exact").fill_null(False)).with_columns(reason=pl.lit("accuracy")),
        ]
    ).with_columns(count=pl.lit(1, dtype=pl.UInt32), hours=pl.lit(0.0))
    cols = ["registration_id", "reason", "latitude", "longitude", "reported_at", "count", "hours"]
    extra = ["accuracy_m"]
    return pl.concat(
        [
            single.select(*cols, *extra),
            repeated.with_columns(accuracy_m=pl.lit(None, dtype=pl.Float64)).select(*cols, *extra),
        ],
        how="vertical_relaxed",
    ).sort("registration_id", "reason", "reported_at", "latitude", "longitude")


REASON_ORDER = ("default", "coarse", "accuracy", "frozen")


def _reason_sentence(r: dict, default_counts: dict[str, int]) -> fx.Sentence:  # type: ignore[type-arg]
    point = show_point(r["latitude"], r["longitude"])
    if r["reason"] == "default":
        d = known_default(r["latitude"], r["longitude"])
        code = d.code if d else "null_island"
        return fx.sentence(
            fx.LOCATION_DEFAULT,
            point=point,
            location_default=code,
            registrations=default_counts.get(code, 1),
        )
    if r["reason"] == "coarse":
        places = max(decimals(r["latitude"]), decimals(r["longitude"]))
        return fx.sentence(
            fx.LOCATION_COARSE, point=point, decimals=places, grid_m=round(111_000 / 10**places)
        )
    if r["reason"] == "accuracy":
        return fx.sentence(fx.LOCATION_EXACT_ACCURACY, accuracy_m=r["accuracy_m"])
    places = max(decimals(r["latitude"]), decimals(r["longitude"]))
    return fx.sentence(
        fx.LOCATION_FROZEN, point=point, decimals=places, count=r["count"], hours=round(r["hours"])
    )


def find_implausible(
    reads: pl.DataFrame, travelers: dict[str, list[TravelerRef]], config: LocationConfig
) -> list[Finding]:
    """One finding per registration with implausible readings, one sentence per reason."""
    bad = implausible_readings(reads, config)
    default_counts: dict[str, set[str]] = {}
    for r in bad.filter(pl.col("reason") == "default").iter_rows(named=True):
        d = known_default(r["latitude"], r["longitude"])
        if d:
            default_counts.setdefault(d.code, set()).add(r["registration_id"])
    counts = {k: len(v) for k, v in default_counts.items()}
    out = []
    for (rid,), rows in bad.partition_by("registration_id", as_dict=True).items():
        first: dict[str, dict] = {}  # type: ignore[type-arg]
        for r in rows.iter_rows(named=True):
            first.setdefault(r["reason"], r)
        reasons = [x for x in REASON_ORDER if x in first]
        text = [_reason_sentence(first[x], counts) for x in reasons]
        text.append(ask())
        per_reason = rows.group_by("reason").len().sort("reason")
        out.append(
            Finding(
                kind=IMPLAUSIBLE_LOCATION,
                key=stable_key(IMPLAUSIBLE_LOCATION, rid),
                score=round(len(reasons) + math.log2(rows.height), 2),
                explanation=tuple(text),
                evidence={
                    "reasons": reasons,
                    "readings": dict(per_reason.iter_rows()),
                    "points": sorted(
                        {show_point(r["latitude"], r["longitude"]) for r in first.values()}
                    ),
                    "defaults": sorted(
                        d.code
                        for r in rows.filter(pl.col("reason") == "default").iter_rows(named=True)
                        if (d := known_default(r["latitude"], r["longitude"]))
                    ),
                },
                registration_ids=(str(rid),),
                travelers=refs([str(rid)], travelers),
                normalised_keys=tuple(f"reason:{x}" for x in reasons),
            )
        )
    return out
