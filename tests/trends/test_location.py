"""Location signals: the pure functions (properties), then each signal on hand-made readings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from puerta.findings.explain import render_explanation
from puerta.findings.value import (
    DEVICE_JUMP,
    IMPLAUSIBLE_LOCATION,
    IMPOSSIBLE_TRAVEL,
    SHARED_COORDINATES,
)
from puerta.trends import location as loc
from puerta.trends.frame import PROTECTED_COLUMNS, ProtectedColumnError
from puerta.trends.location_defaults import KNOWN_DEFAULTS, known_default

T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TIJUANA = (32.51234, -117.03456)
MONTERREY = (25.68661, -100.31612)
MATAMOROS = (25.86901, -97.50271)

lat = st.floats(min_value=-89.9, max_value=89.9, allow_nan=False)
lon = st.floats(min_value=-179.9, max_value=179.9, allow_nan=False)


@given(lat, lon, lat, lon)
def test_distance_is_symmetric_and_never_negative(a: float, b: float, c: float, d: float) -> None:
    there = loc.distance_km(a, b, c, d)
    assert there == pytest.approx(loc.distance_km(c, d, a, b), abs=1e-9)
    assert 0.0 <= there <= 20_016  # half the circumference


@given(st.tuples(lat, lon), st.tuples(lat, lon), st.tuples(lat, lon))
def test_distance_keeps_the_triangle_inequality(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
) -> None:
    ab, bc = loc.distance_km(*a, *b), loc.distance_km(*b, *c)
    assert loc.distance_km(*a, *c) <= ab + bc + 1e-6


@given(
    lat,
    lon,
    st.floats(min_value=0, max_value=5_000),
    st.floats(min_value=0, max_value=10 * 86_400),
)
def test_a_stationary_device_never_travels_impossibly(
    a: float, b: float, accuracy: float, seconds: float
) -> None:
    """One point twice, whatever the time between and the accuracy: no signal."""
    distance = loc.distance_km(a, b, a, b)
    margin = loc.margin_km(accuracy, accuracy, 2_000)
    assert distance == 0.0
    assert not loc.is_impossible(distance, seconds, margin, min_km=1.0, max_kmh=1.0)


@given(st.floats(min_value=0, max_value=5_000), st.floats(min_value=0, max_value=5_000))
def test_a_wider_stated_accuracy_never_raises_the_speed(acc: float, more: float) -> None:
    narrow = loc.implied_speed_kmh(500.0, 3_600, loc.margin_km(acc, acc, 2_000))
    wide = loc.implied_speed_kmh(500.0, 3_600, loc.margin_km(acc + more, acc, 2_000))
    assert wide <= narrow


def test_speed_threshold_and_margin() -> None:
    # Tijuana to Matamoros (about 2,000 km) in 3 hours: no road does that.
    far = loc.distance_km(*TIJUANA, *MATAMOROS)
    assert 1_990 < far < 2_040
    assert loc.is_impossible(far, 3 * 3600, 0.1, min_km=100, max_kmh=130)
    # The same in two days is a long bus ride, not a signal.
    assert not loc.is_impossible(far, 48 * 3600, 0.1, min_km=100, max_kmh=130)
    # 150 km in 10 minutes, but the phone said it was good only to 80 km each time.
    assert not loc.is_impossible(
        150, 600, loc.margin_km(80_000, 80_000, 2_000), min_km=100, max_kmh=130
    )
    assert loc.margin_km(None, None, 2_000) == 4.0


@given(st.integers(min_value=-89_999, max_value=89_999), st.integers(0, 7))
def test_decimals_counts_what_was_written(units: int, places: int) -> None:
    value = round(units / 1000 + 0.1234567, places)
    assert loc.decimals(value) <= places
    assert loc.decimals(float(f"{value:.{places}f}")) == loc.decimals(value)


def test_coarse_and_points() -> None:
    assert loc.is_coarse(25.67, -100.31)
    assert loc.is_coarse(25.0, -100.0)
    assert not loc.is_coarse(25.67, -100.31612)  # as the page sends: five decimals
    assert loc.point_key(25.686611, -100.316121) == "25.68661,-100.31612"
    assert loc.show_point(25.0, -100.3) == "25, -100.3"


def test_every_listed_default_is_found_and_documented() -> None:
    for d in KNOWN_DEFAULTS:
        assert known_default(d.latitude, d.longitude) == d
        assert len(d.source) > 40  # says where the value comes from
    assert known_default(37.4220, -122.0841).code == "android_emulator"  # Googleplex
    assert known_default(0.0001, -0.0001).code == "null_island"
    assert known_default(*MONTERREY) is None


# --- the signals on readings ---------------------------------------------------------------


def frame(*rids: str, persons: dict[str, str] | None = None) -> pl.DataFrame:
    persons = persons or {}
    return pl.DataFrame(
        {
            "registration_id": list(rids),
            "position": [0] * len(rids),
            "person_key": [persons.get(r, f"P-{r}") for r in rids],
        }
    )


def reading(
    rid: str,
    point: tuple[float, float],
    at: datetime,
    stage: str = "request",
    accuracy: float | None = 20.0,
    device: str | None = None,
) -> dict[str, Any]:
    return {
        "registration_id": rid,
        "stage": stage,
        "reported_at": at,
        "latitude": point[0],
        "longitude": point[1],
        "accuracy_m": accuracy,
        "device_id": device,
    }


def readings(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "registration_id": pl.String,
            "stage": pl.String,
            "reported_at": pl.Datetime("us", "UTC"),
            "latitude": pl.Float64,
            "longitude": pl.Float64,
            "accuracy_m": pl.Float64,
            "device_id": pl.String,
        },
    )


def kinds(found: list) -> list[str]:  # type: ignore[type-arg]
    return [f.kind for f in found]


def test_confirming_from_across_the_country_hours_later_is_impossible_travel() -> None:
    rows = [
        reading("R1", TIJUANA, T0),
        reading("R1", MATAMOROS, T0 + timedelta(hours=3), "confirmation"),
        # R2 confirms from nearby the next day: nothing to say.
        reading("R2", MONTERREY, T0),
        reading("R2", (25.69012, -100.31001), T0 + timedelta(days=1), "confirmation"),
    ]
    found = loc.find_location_signals(frame("R1", "R2"), readings(rows))
    assert kinds(found) == [IMPOSSIBLE_TRAVEL]
    f = found[0]
    assert f.registration_ids == ("R1",)
    assert f.evidence["speed_kmh"] > 600
    text = render_explanation(f.explanation)
    assert "32.51234, -117.03456" in text
    assert "25.86901, -97.50271" in text
    assert "faster than travel by road (130 km/h)" in text
    assert "never a reason to refuse" in text


def test_travel_compares_with_the_request_before_the_confirmation() -> None:
    """An earlier request far away does not count: the latest one before confirming does."""
    rows = [
        reading("R1", TIJUANA, T0 - timedelta(days=2)),
        reading("R1", MATAMOROS, T0),
        reading("R1", (25.87001, -97.50111), T0 + timedelta(hours=2), "confirmation"),
    ]
    assert loc.find_location_signals(frame("R1"), readings(rows)) == []


def test_a_device_far_apart_within_minutes_is_a_device_jump() -> None:
    rows = [
        reading("R1", TIJUANA, T0, device="D1"),
        reading("R2", MONTERREY, T0 + timedelta(minutes=4), device="D1"),
        reading("R3", MATAMOROS, T0 + timedelta(minutes=9), device="D1"),
        # Another device, far apart but days later: a trip, not a jump.
        reading("R4", TIJUANA, T0, device="D2"),
        reading("R4", MONTERREY, T0 + timedelta(days=3), device="D2"),
    ]
    found = loc.find_location_signals(frame("R1", "R2", "R3", "R4"), readings(rows))
    assert kinds(found) == [DEVICE_JUMP]
    assert found[0].registration_ids == ("R1", "R2", "R3")
    assert found[0].evidence["jumps"] == 2
    assert "One device (D1)" in render_explanation(found[0].explanation)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30 * 24 * 60), st.floats(-20, 20), st.floats(-20, 20)),
        min_size=2,
        max_size=12,
    )
)
def test_a_device_that_stays_put_never_raises_a_signal(
    moves: list[tuple[int, float, float]],
) -> None:
    """Readings of one device within 20 m of one place, at any times: no finding.

    A point repeated to the sixth decimal by one registration is a frozen
    reading (``location_points``), a signal by design, so it is left out.
    """
    rows = []
    points = [(MONTERREY[0] + dy / 111_000, MONTERREY[1] + dx / 100_000) for _, dy, dx in moves]
    for parity in (0, 1):
        written = [(round(a, 6), round(b, 6)) for a, b in points[parity::2]]
        assume(len(set(written)) == len(written))
    for i, ((minute, _, _), point) in enumerate(zip(moves, points, strict=True)):
        stage = "confirmation" if i % 3 == 2 else "request"
        rows.append(reading(f"R{i % 2}", point, T0 + timedelta(minutes=minute), stage, device="D1"))
    assert loc.find_location_signals(frame("R0", "R1"), readings(rows)) == []


def test_many_different_travelers_at_one_point_to_the_metre() -> None:
    point = (31.72039, -106.46081)
    rids = [f"R{i}" for i in range(5)]
    rows = [reading(r, point, T0 + timedelta(hours=i)) for i, r in enumerate(rids)]
    # One person's two registrations at another point count as one person.
    rows += [reading(r, (31.7, -106.4), T0) for r in ("RA", "RB", "RC")]
    people = {"RA": "SAME", "RB": "SAME", "RC": "SAME"}
    found = loc.find_location_signals(
        frame(*rids, "RA", "RB", "RC", persons=people), readings(rows)
    )
    shared = [f for f in found if f.kind == SHARED_COORDINATES]
    assert [f.registration_ids for f in shared] == [tuple(rids)]
    assert shared[0].evidence["persons"] == 5
    assert "5 registrations of 5 different travelers" in render_explanation(shared[0].explanation)


def test_the_importers_placeholder_is_no_reading() -> None:
    """Imported requests carry the port's catalogue point: never a shared point."""
    rows = [reading(f"R{i}", (32.5422, -117.0297), T0, accuracy=None) for i in range(6)]
    assert loc.find_location_signals(frame(*[f"R{i}" for i in range(6)]), readings(rows)) == []


@pytest.mark.parametrize(
    ("point", "accuracy", "reason", "words"),
    [
        ((37.4220, -122.0841), 20.0, "default", "Android emulator"),
        ((23.0, -102.0), 20.0, "default", "knows only the country"),
        ((0.0, 0.0), 20.0, "default", "latitude 0, longitude 0"),
        ((25.67, -100.31), 20.0, "coarse", "2 decimal places"),
        ((25.68661, -100.31612), 0.0, "accuracy", "accurate to 0 m"),
    ],
)
def test_implausible_readings_say_why(
    point: tuple[float, float], accuracy: float, reason: str, words: str
) -> None:
    found = loc.find_location_signals(
        frame("R1"), readings([reading("R1", point, T0, accuracy=accuracy)])
    )
    assert kinds(found) == [IMPLAUSIBLE_LOCATION]
    assert found[0].evidence["reasons"] == [reason]
    assert words in render_explanation(found[0].explanation)


def test_one_point_to_many_decimals_over_hours_is_frozen() -> None:
    point = (25.686611234, -100.316123987)
    rows = [reading("R1", point, T0), reading("R1", point, T0 + timedelta(hours=5))]
    found = loc.find_location_signals(frame("R1"), readings(rows))
    assert kinds(found) == [IMPLAUSIBLE_LOCATION]
    assert found[0].evidence["reasons"] == ["frozen"]
    # The same point twice within minutes is one fix read twice: not frozen.
    close = [reading("R1", point, T0), reading("R1", point, T0 + timedelta(minutes=5))]
    assert loc.find_location_signals(frame("R1"), readings(close)) == []


def test_location_signals_refuse_protected_columns() -> None:
    rows = readings([reading("R1", TIJUANA, T0)])
    with pytest.raises(ProtectedColumnError):
        loc.guard(rows.with_columns(citizenship=pl.lit("VE")), ("registration_id", "citizenship"))
    # Handed a frame that still carries them, the signals read only their own columns.
    tainted = frame("R1").with_columns(**{c: pl.lit("x") for c in sorted(PROTECTED_COLUMNS)})
    found = loc.find_location_signals(tainted, readings([reading("R1", (0.0, 0.0), T0)]))
    assert kinds(found) == [IMPLAUSIBLE_LOCATION]
    text = " ".join(str(v) for v in found[0].evidence.values())
    assert "x" not in text.split()


def test_csv_readings_are_typed_like_parquet() -> None:
    rows = readings(
        [
            reading("R1", TIJUANA, T0),
            reading("R1", MATAMOROS, T0 + timedelta(hours=3), "confirmation", accuracy=None),
        ]
    )
    as_text = rows.with_columns(
        pl.col("reported_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        pl.all().exclude("reported_at").cast(pl.String),
    )
    assert kinds(loc.find_location_signals(frame("R1"), as_text)) == [IMPOSSIBLE_TRAVEL]
