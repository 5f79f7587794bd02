"""Scoring never sees nationality, language, sex or age.

Three proofs: the analysis frame has no protected column; every analysis
entry point passes its input through ``frame.guard``, so even a frame that
still carries them is cut down before any scoring function runs (recorded
here by spying on the scoring functions); and results do not change when the
protected values are shuffled.
"""

from __future__ import annotations

import inspect
import random
from datetime import timedelta
from typing import Any

import polars as pl
import pytest

from puerta.trends import address_surprise, addresses, bursts, oig_tables, rings
from puerta.trends import frame as fr
from tests.trends.frames import T0, row, surname

PROTECTED_VALUES = {
    "sex": ["F", "M", "X"],
    "citizenship": ["VE", "HT", "RU", "AM", "MX"],
    "country_of_birth": ["VE", "HT", "RU", "AM", "MX"],
    "language": ["es", "ht", "ru", "hy", "en"],
}


def _rows(seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(14):  # a planted-looking address
        out.append(
            row(
                f"A{i}",
                given_names=f"G{i}",
                family_names=surname(i),
                address_line1="4 Planted Way",
                appointment_port="SYS",
                created_at=T0 + timedelta(days=8 * i),  # one by one, over months
            )
        )
    for i in range(8):  # a bot burst
        out.append(
            row(
                f"B{i}", device_id="bot", form_seconds=5.0, created_at=T0 + timedelta(seconds=3 * i)
            )
        )
    for i in range(5):  # a ring
        out.append(
            row(f"R{i}", given_names=f"O{i}", family_names=surname(i + 5), phone="+5215550000")
        )
    for r in out:
        for col, values in PROTECTED_VALUES.items():
            r[col] = rng.choice(values)
    return out


def _run_all(df: pl.DataFrame) -> dict[str, Any]:
    analysis = addresses.analyse_addresses(df, known=[])
    return {
        "addresses": [(f.key, f.score, f.registration_ids) for f in analysis.findings],
        "bursts": [(f.key, f.score, f.registration_ids) for f in bursts.find_bursts(df)],
        "rings": [(f.key, f.score, f.registration_ids) for f in rings.find_rings(df)],
        "table2": oig_tables.table2(df).to_dicts(),
        "share": oig_tables.unrelated_share(analysis),
    }


def test_analysis_frame_drops_protected_columns() -> None:
    df = fr.analysis_frame(pl.DataFrame(_rows()))
    assert not fr.PROTECTED_COLUMNS.intersection(df.columns)
    fr.assert_no_protected(df)
    assert "person_key" in df.columns  # the exact identity key survives, as a key


def test_guard_refuses_protected_columns() -> None:
    df = pl.DataFrame({"a": [1], "sex": ["F"]})
    with pytest.raises(fr.ProtectedColumnError):
        fr.guard(df, ["a", "sex"])
    with pytest.raises(fr.ProtectedColumnError):
        fr.guard(df, ["a"], optional=["citizenship"])
    assert fr.guard(df, ["a"]).columns == ["a"]
    with pytest.raises(fr.ProtectedColumnError):
        fr.assert_no_protected(df)


@pytest.mark.parametrize(
    "declared",
    [addresses.NEEDED, bursts.NEEDED + bursts.OPTIONAL, rings.NEEDED + rings.OPTIONAL],
)
def test_declared_inputs_are_not_protected(declared: tuple[str, ...]) -> None:
    assert not fr.PROTECTED_COLUMNS.intersection(declared)


def test_scoring_function_signatures_take_only_counts() -> None:
    for fn in (
        address_surprise.surprise,
        address_surprise.fit_nulls,
        rings.score_ring,
        bursts.surprise,
    ):
        params = set(inspect.signature(fn).parameters)
        assert not fr.PROTECTED_COLUMNS.intersection(params), fn.__name__


def test_scoring_never_receives_protected_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand the analyses a raw frame that still holds every protected column."""
    seen: list[set[str]] = []

    def spy(module: Any, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for value in [*args, *kwargs.values()]:
                if isinstance(value, pl.DataFrame):
                    seen.append(set(value.columns))
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(bursts, "score_runs")
    spy(bursts, "_runs")
    spy(addresses, "_score_groups")
    spy(addresses, "describe_groups")
    spy(rings, "_describe")
    spy(rings, "ring_components")
    raw = pl.DataFrame(_rows()).rename({"traveler_index": "position"})
    raw = raw.with_columns(pl.col(pl.Null).cast(pl.String), person_key=pl.col("registration_id"))
    assert fr.PROTECTED_COLUMNS.intersection(raw.columns)
    addresses.analyse_addresses(raw, known=[])
    bursts.find_bursts(raw)
    rings.find_rings(raw)
    assert len(seen) >= 6
    for columns in seen:
        assert not fr.PROTECTED_COLUMNS.intersection(columns), columns


def test_results_do_not_depend_on_protected_values() -> None:
    base = _run_all(fr.analysis_frame(pl.DataFrame(_rows(seed=1))))
    shuffled = _run_all(fr.analysis_frame(pl.DataFrame(_rows(seed=2))))
    assert base == shuffled
    assert base["addresses"]
    assert base["bursts"]
    assert base["rings"]
