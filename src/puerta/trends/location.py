"""Location signals: places a phone reported that a person could hardly have been at.

Every request and every confirmation attempt keeps the coordinates the device
sent, with the accuracy it claimed and, when the client sent one, the device
(the data set's ``locations`` table). Four signals, each a finding kind:

* **impossible travel** (``impossible_travel``): a confirmation sent from
  farther than ground travel allows since the registration's request before it,
  after taking off both readings' stated accuracy;
* **shared coordinates** (``shared_coordinates``): registrations of several
  different travelers reporting one point to the metre;
* **implausible coordinates** (``implausible_location``): a point at a known
  software default (``location_defaults``), coordinates given too coarsely for
  a phone, an accuracy under a metre, or one point repeated to many decimals
  over hours;
* **device jumps** (``device_jump``): one device reporting places far apart
  within minutes.

They are signals, never verdicts: phones misreport, people lend phones and take
planes, a shelter's Wi-Fi gives many phones one fix. Each explanation ends by
saying so, and nothing here decides anything (only duplicate persons reach the
draw). Nationality, language, sex and age are never read: the analyses see only
the coordinates, their times, accuracy and device, and the registrations'
person keys (``frame.guard``).

The readings the importer makes up are skipped: a data set without locations
gives its requests the port's catalogue coordinates (docs/data-formats.md),
which say nothing about the device.

Example:
    >>> round(distance_km(32.5422, -117.0297, 25.8983, -97.4972))
    2030
    >>> implied_speed_kmh(2030.0, 3 * 3600, 4.0)
    675.3
    >>> decimals(25.67), decimals(25.0), decimals(-100.31161)
    (2, 0, 5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from puerta.findings import explain as fx
from puerta.findings.value import (
    Finding,
    TravelerRef,
)
from puerta.ports.catalogue import PORTS
from puerta.trends.frame import guard
from puerta.trends.location_defaults import KNOWN_DEFAULTS

EARTH_RADIUS_KM = 6371.0088
"""The mean Earth radius (IUGG), for the haversine distance."""

LOCATION_COLUMNS = ("registration_id", "stage", "reported_at", "latitude", "longitude")
LOCATION_OPTIONAL = ("accuracy_m", "device_id")
PLACEHOLDERS = frozenset((p.latitude, p.longitude) for p in PORTS)
"""The importer's stand-in for a request without a location: the port's catalogue point."""


@dataclass(frozen=True, slots=True)
class LocationConfig:
    """Thresholds of the four signals (the defaults are what the benchmarks measured).

    Attributes:
        max_ground_speed_kmh: Faster than this between two readings is faster than
            travel by road (a car on the highways of northern Mexico).
        min_distance_km: Impossible travel needs at least this far, past both accuracies.
        unknown_accuracy_m: The accuracy assumed for a reading that did not state one
            (what phones placed by Wi-Fi or cell towers typically claim).
        device_window_minutes: A device jump is two readings at most this far apart.
        device_min_distance_km: ... and at least this far apart, past both accuracies.
        shared_min_persons: Different travelers (owners' person keys) at one point.
        coarse_max_decimals: Coordinates given to at most this many decimals (both).
        min_accuracy_m: A stated accuracy under this is implausible.
        frozen_min_decimals: A point repeated to at least this many decimals ...
        frozen_min_hours: ... over at least this long, by one registration.
    """

    max_ground_speed_kmh: float = 130.0
    min_distance_km: float = 100.0
    unknown_accuracy_m: float = 2_000.0
    device_window_minutes: float = 30.0
    device_min_distance_km: float = 50.0
    shared_min_persons: int = 4
    coarse_max_decimals: int = 2
    min_accuracy_m: float = 1.0
    frozen_min_decimals: int = 6
    frozen_min_hours: float = 1.0


# --- pure functions -----------------------------------------------------------------------


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres; symmetric, zero for one point."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def margin_km(accuracy_a: float | None, accuracy_b: float | None, unknown_m: float) -> float:
    """What two readings' stated accuracies allow them to be off by, together, in km.

    Example:
        >>> margin_km(20.0, None, 2000.0)
        2.02
    """
    a = unknown_m if accuracy_a is None else accuracy_a
    b = unknown_m if accuracy_b is None else accuracy_b
    return (a + b) / 1000.0


def implied_speed_kmh(distance: float, seconds: float, margin: float) -> float:
    """The speed the distance past the margin needs in the time (one second at least)."""
    hours = max(seconds, 1.0) / 3600.0
    return round(max(distance - margin, 0.0) / hours, 1)


def is_impossible(
    distance: float, seconds: float, margin: float, *, min_km: float, max_kmh: float
) -> bool:
    """True when the readings are too far apart past the margin for ground travel.

    Example:
        >>> is_impossible(500.0, 3600.0, 1.0, min_km=100.0, max_kmh=130.0)
        True
        >>> is_impossible(500.0, 5 * 3600.0, 1.0, min_km=100.0, max_kmh=130.0)
        False
    """
    effective = distance - margin
    return effective >= min_km and implied_speed_kmh(distance, seconds, margin) > max_kmh


def decimals(value: float) -> int:
    """Decimal places of a coordinate as the device wrote it (its shortest repr)."""
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exponent))  # type: ignore[arg-type]


def is_coarse(latitude: float, longitude: float, max_decimals: int = 2) -> bool:
    """Both coordinates written with at most ``max_decimals`` decimals (0.01 deg ~ 1 km)."""
    return decimals(latitude) <= max_decimals and decimals(longitude) <= max_decimals


def point_key(latitude: float, longitude: float) -> str:
    """The point to the metre (five decimals: 1.1 m of latitude), as a grouping key."""
    return f"{latitude:.5f},{longitude:.5f}"


def show_point(latitude: float, longitude: float) -> str:
    """A point as an officer reads it: the decimals as sent, at most seven."""

    def one(x: float) -> str:
        text = f"{x:.7f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    return f"{one(latitude)}, {one(longitude)}"


# --- the frame ----------------------------------------------------------------------------


def readings(locations: pl.DataFrame) -> pl.DataFrame:
    """The readings the signals use: typed, the importer's placeholders dropped."""
    df = guard(locations, LOCATION_COLUMNS, optional=LOCATION_OPTIONAL)
    for col in LOCATION_OPTIONAL:
        if col not in df.columns:
            df = df.with_columns(pl.lit(None).alias(col))
    at = pl.col("reported_at")
    if df.schema["reported_at"] == pl.String:
        at = at.str.to_datetime(time_zone="UTC", time_unit="us")
    elif df.schema["reported_at"].time_zone is None:  # type: ignore[union-attr]
        at = at.dt.replace_time_zone("UTC")
    df = df.with_columns(
        at.dt.convert_time_zone("UTC").dt.cast_time_unit("us").alias("reported_at"),
        pl.col("latitude").cast(pl.Float64),
        pl.col("longitude").cast(pl.Float64),
        pl.col("accuracy_m").cast(pl.Float64, strict=False),
        pl.col("device_id").cast(pl.String),
        pl.col("registration_id").cast(pl.String),
        pl.col("stage").cast(pl.String),
    )
    placeholder = pl.lit(False)
    for lat, lon in PLACEHOLDERS:
        placeholder = placeholder | ((pl.col("latitude") == lat) & (pl.col("longitude") == lon))
    return df.filter(~placeholder).sort("registration_id", "reported_at", "stage")


def _haversine(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """``distance_km`` as a polars expression (the same formula, vectorised)."""
    p1, p2 = lat1.radians(), lat2.radians()
    h = ((p2 - p1) / 2).sin().pow(2) + p1.cos() * p2.cos() * (
        (lon2.radians() - lon1.radians()) / 2
    ).sin().pow(2)
    return 2 * EARTH_RADIUS_KM * h.sqrt().clip(upper_bound=1.0).arcsin()


def pair_columns(config: LocationConfig) -> list[pl.Expr]:
    unknown = config.unknown_accuracy_m
    seconds = (pl.col("reported_at") - pl.col("prev_at")).dt.total_seconds(fractional=True)
    margin = (
        pl.col("accuracy_m").fill_null(unknown) + pl.col("prev_accuracy").fill_null(unknown)
    ) / 1000.0
    return [
        _haversine(
            pl.col("prev_lat"), pl.col("prev_lon"), pl.col("latitude"), pl.col("longitude")
        ).alias("distance_km"),
        seconds.alias("seconds"),
        margin.alias("margin_km"),
    ]


def speed() -> pl.Expr:
    hours = pl.col("seconds").clip(lower_bound=1.0) / 3600.0
    return ((pl.col("distance_km") - pl.col("margin_km")).clip(lower_bound=0.0) / hours).round(1)


def _travelers(frame: pl.DataFrame) -> dict[str, list[TravelerRef]]:
    rows = (
        guard(frame, ("registration_id", "position")).unique().sort("registration_id", "position")
    )
    out: dict[str, list[TravelerRef]] = {}
    for rid, pos in rows.iter_rows():
        out.setdefault(str(rid), []).append((str(rid), int(pos)))
    return out


def refs(rids: list[str], travelers: dict[str, list[TravelerRef]]) -> tuple[TravelerRef, ...]:
    return tuple(sorted(t for r in rids for t in travelers.get(r, [(r, 0)])))


def ask() -> fx.Sentence:
    return fx.sentence(fx.LOCATION_ASK)


def at_default() -> pl.Expr:
    """True for a reading within a listed default's radius (vectorised ``known_default``)."""
    hit = pl.lit(False)
    for d in KNOWN_DEFAULTS:
        near = _haversine(
            pl.col("latitude"), pl.col("longitude"), pl.lit(d.latitude), pl.lit(d.longitude)
        )
        hit = hit | (near * 1000.0 <= d.radius_m)
    return hit


# --- all four -----------------------------------------------------------------------------


def find_location_signals(
    frame: pl.DataFrame, locations: pl.DataFrame, config: LocationConfig | None = None
) -> list[Finding]:
    """Every location finding, highest score first within each kind.

    Args:
        frame: The analysis frame (``frame.analysis_frame``): registration ids,
            positions and person keys only are read.
        locations: The data set's ``locations`` table (one row per reading).
        config: Thresholds.

    Returns:
        Findings of the kinds ``impossible_travel``, ``device_jump``,
        ``shared_coordinates`` and ``implausible_location``.

    Example:
        >>> import polars as pl
        >>> from datetime import datetime, UTC
        >>> frame = pl.DataFrame({"registration_id": ["R1"], "position": [0],
        ...     "person_key": ["P1"]})
        >>> locs = pl.DataFrame({"registration_id": ["R1", "R1"],
        ...     "stage": ["request", "confirmation"],
        ...     "reported_at": [datetime(2026, 3, 1, 13, tzinfo=UTC),
        ...                     datetime(2026, 3, 1, 15, tzinfo=UTC)],
        ...     "latitude": [32.51234, 25.87654], "longitude": [-117.03456, -97.51234],
        ...     "accuracy_m": [15.0, 20.0], "device_id": ["D1", "D1"]})
        >>> [f.kind for f in find_location_signals(frame, locs)]
        ['impossible_travel']
    """
    # The signals import this module's helpers; importing them here keeps one facade.
    from puerta.trends.location_points import find_implausible, find_shared_coordinates
    from puerta.trends.location_time import find_device_jumps, find_impossible_travel

    config = config or LocationConfig()
    reads = readings(locations)
    if not reads.height:
        return []
    travelers = _travelers(frame)
    findings: list[Finding] = []
    for part in (
        find_impossible_travel(reads, travelers, config),
        find_device_jumps(reads, travelers, config),
        find_shared_coordinates(reads, frame, travelers, config),
        find_implausible(reads, travelers, config),
    ):
        findings += sorted(part, key=lambda f: (-f.score, f.key))
    return findings
