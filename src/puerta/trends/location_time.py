"""Location signals over time: impossible travel and device jumps (see ``trends.location``).

Both compare two readings: their distance past what both stated accuracies allow,
and the speed that distance needs in the time between them.
"""

from __future__ import annotations

import math

import polars as pl

from puerta.findings import explain as fx
from puerta.findings.value import DEVICE_JUMP, IMPOSSIBLE_TRAVEL, Finding, TravelerRef, stable_key
from puerta.trends.location import LocationConfig, ask, pair_columns, refs, show_point, speed

# --- impossible travel --------------------------------------------------------------------


def travel_pairs(reads: pl.DataFrame, config: LocationConfig) -> pl.DataFrame:
    """Each confirmation attempt with the registration's latest request before it."""
    asked = (
        reads.filter(pl.col("stage") == "request")
        .select(
            "registration_id",
            pl.col("reported_at").alias("prev_at"),
            pl.col("latitude").alias("prev_lat"),
            pl.col("longitude").alias("prev_lon"),
            pl.col("accuracy_m").alias("prev_accuracy"),
        )
        .sort("prev_at")
    )
    confirmed = reads.filter(pl.col("stage") == "confirmation").sort("reported_at")
    pairs = confirmed.join_asof(
        asked,
        left_on="reported_at",
        right_on="prev_at",
        by="registration_id",
        check_sortedness=False,  # both sides sorted on the instant just above
    )
    return (
        pairs.filter(pl.col("prev_at").is_not_null())
        .with_columns(pair_columns(config))
        .with_columns(speed_kmh=speed())
        .with_columns(
            impossible=(pl.col("distance_km") - pl.col("margin_km") >= config.min_distance_km)
            & (pl.col("speed_kmh") > config.max_ground_speed_kmh)
        )
    )


def find_impossible_travel(
    reads: pl.DataFrame, travelers: dict[str, list[TravelerRef]], config: LocationConfig
) -> list[Finding]:
    """One finding per registration confirmed from too far, on its fastest pair."""
    flagged = travel_pairs(reads, config).filter("impossible")
    out = []
    for (rid,), rows in flagged.partition_by("registration_id", as_dict=True).items():
        worst = rows.sort(["speed_kmh", "reported_at"], descending=[True, False]).row(0, named=True)
        text = [
            fx.sentence(
                fx.LOCATION_TRAVEL,
                from_point=show_point(worst["prev_lat"], worst["prev_lon"]),
                to_point=show_point(worst["latitude"], worst["longitude"]),
                start=worst["prev_at"],
                end=worst["reported_at"],
                distance_km=round(worst["distance_km"]),
                speed_kmh=round(worst["speed_kmh"]),
                margin_km=round(worst["margin_km"], 1),
                max_speed_kmh=round(config.max_ground_speed_kmh),
            )
        ]
        if rows.height > 1:
            text.append(fx.sentence(fx.LOCATION_TRAVEL_MORE, pairs=rows.height))
        text.append(ask())
        ratio = worst["speed_kmh"] / config.max_ground_speed_kmh
        out.append(
            Finding(
                kind=IMPOSSIBLE_TRAVEL,
                key=stable_key(IMPOSSIBLE_TRAVEL, rid),
                score=round(math.log2(max(ratio, 1.0)) + rows.height, 2),
                explanation=tuple(text),
                evidence={
                    "request_at": worst["prev_at"].isoformat(),
                    "confirmation_at": worst["reported_at"].isoformat(),
                    "request_point": [worst["prev_lat"], worst["prev_lon"]],
                    "confirmation_point": [worst["latitude"], worst["longitude"]],
                    "distance_km": round(worst["distance_km"], 1),
                    "margin_km": round(worst["margin_km"], 2),
                    "hours": round(worst["seconds"] / 3600.0, 2),
                    "speed_kmh": worst["speed_kmh"],
                    "max_ground_speed_kmh": config.max_ground_speed_kmh,
                    "pairs": rows.height,
                },
                registration_ids=(str(rid),),
                travelers=refs([str(rid)], travelers),
                normalised_keys=(f"registration:{rid}",),
            )
        )
    return out


# --- device jumps -------------------------------------------------------------------------


def device_pairs(reads: pl.DataFrame, config: LocationConfig) -> pl.DataFrame:
    """Consecutive readings of one device, with the jump between them.

    A registration's request followed by its own confirmation is impossible
    travel's pair; it is not counted again as a jump.
    """
    by_device = reads.filter(pl.col("device_id").is_not_null()).sort("device_id", "reported_at")
    shifted = by_device.with_columns(
        prev_at=pl.col("reported_at").shift().over("device_id"),
        prev_lat=pl.col("latitude").shift().over("device_id"),
        prev_lon=pl.col("longitude").shift().over("device_id"),
        prev_accuracy=pl.col("accuracy_m").shift().over("device_id"),
        prev_registration=pl.col("registration_id").shift().over("device_id"),
        prev_stage=pl.col("stage").shift().over("device_id"),
    ).filter(pl.col("prev_at").is_not_null())
    own_confirmation = (
        (pl.col("prev_registration") == pl.col("registration_id"))
        & (pl.col("prev_stage") == "request")
        & (pl.col("stage") == "confirmation")
    )
    return (
        shifted.with_columns(pair_columns(config))
        .with_columns(speed_kmh=speed())
        .with_columns(
            jump=~own_confirmation
            & (pl.col("seconds") <= config.device_window_minutes * 60)
            & (pl.col("distance_km") - pl.col("margin_km") >= config.device_min_distance_km)
            & (pl.col("speed_kmh") > config.max_ground_speed_kmh)
        )
    )


def find_device_jumps(
    reads: pl.DataFrame, travelers: dict[str, list[TravelerRef]], config: LocationConfig
) -> list[Finding]:
    """One finding per device that jumped, with its widest jump."""
    jumps = device_pairs(reads, config).filter("jump")
    out = []
    for (device,), rows in jumps.partition_by("device_id", as_dict=True).items():
        rids = sorted({*rows["registration_id"].to_list(), *rows["prev_registration"].to_list()})
        widest = rows.sort(["distance_km", "reported_at"], descending=[True, False]).row(
            0, named=True
        )
        text = [
            fx.sentence(
                fx.LOCATION_DEVICE_JUMP,
                device=str(device),
                from_point=show_point(widest["prev_lat"], widest["prev_lon"]),
                to_point=show_point(widest["latitude"], widest["longitude"]),
                distance_km=round(widest["distance_km"]),
                minutes=round(widest["seconds"] / 60.0, 1),
                speed_kmh=round(widest["speed_kmh"]),
                end=widest["reported_at"],
            ),
            fx.sentence(
                fx.LOCATION_DEVICE_JUMPS,
                jumps=rows.height,
                start=rows["prev_at"].min(),
                end=rows["reported_at"].max(),
                registrations=len(rids),
            ),
            ask(),
        ]
        out.append(
            Finding(
                kind=DEVICE_JUMP,
                key=stable_key(DEVICE_JUMP, device),
                score=round(rows.height + math.log2(max(len(rids), 1)), 2),
                explanation=tuple(text),
                evidence={
                    "device": str(device),
                    "jumps": rows.height,
                    "registrations": len(rids),
                    "widest_km": round(widest["distance_km"], 1),
                    "widest_minutes": round(widest["seconds"] / 60.0, 1),
                    "fastest_kmh": float(rows["speed_kmh"].max()),  # type: ignore[arg-type]
                    "start": rows["prev_at"].min().isoformat(),  # type: ignore[union-attr]
                    "end": rows["reported_at"].max().isoformat(),  # type: ignore[union-attr]
                },
                registration_ids=tuple(rids),
                travelers=refs(rids, travelers),
                normalised_keys=(f"device:{device}",),
            )
        )
    return out
