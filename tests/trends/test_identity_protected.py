"""Identity scoring never receives nationality, language, sex or age.

Proved three ways: the frame handed to the Splink scorer is captured and
checked; the scorer refuses a frame carrying any non-feature column; and
scrambling the protected columns changes nothing in the result. The date of
birth is an identity attribute compared as a string of digits (equal,
swapped, one edit); it is never turned into an age.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from puerta.trends import identity
from puerta.trends import splink_model as sm

PROTECTED = {
    "citizenship",
    "nationality",
    "country_of_birth",
    "language",
    "preferred_language",
    "sex",
    "gender",
    "age",
}


def _rows() -> pl.DataFrame:
    base = [
        ("R1", 0, "Aleksandr", "Harutyunyan", "1990-03-07", "AM", "hy", "M"),
        ("R2", 0, "Alexander", "Arutyunyan", "1990-07-03", "AM", "hy", "M"),
        ("R3", 0, "Ana", "Pérez", "1988-02-02", "VE", "es", "F"),
        ("R4", 0, "ANA", "PEREZ", "1988-02-02", "VE", "es", "F"),
        ("R5", 0, "Wilner", "Joseph", "1979-10-10", "HT", "ht", "M"),
    ]
    cols = ["registration_id", "traveler_index", "given_names", "family_names"]
    cols += ["date_of_birth", "citizenship", "language", "sex"]
    df = pl.DataFrame(base, schema=cols, orient="row")
    return df.with_columns(
        country_of_birth=pl.col("citizenship"),
        age=pl.lit(35),
        phone=pl.lit("+525500000000"),
        address_line1=pl.lit("1 Main St"),
    )


def test_scorer_receives_identity_features_only(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[pl.DataFrame] = []
    real = sm.predict_pairs

    def spy(frames: Any, **kwargs: Any) -> Any:
        seen.extend([frames] if isinstance(frames, pl.DataFrame) else frames)
        return real(frames, **kwargs)

    monkeypatch.setattr(sm, "predict_pairs", spy)
    identity.resolve_persons(_rows())
    assert seen
    for frame in seen:
        assert PROTECTED.isdisjoint(frame.columns)
        assert set(frame.columns) <= set(sm.FEATURE_COLUMNS)


def test_scorer_refuses_protected_columns() -> None:
    _, features = identity.identity_features(_rows())
    for column in sorted(PROTECTED):
        with pytest.raises(ValueError, match="identity features"):
            sm.predict_pairs(features.with_columns(pl.lit("x").alias(column)))


def test_model_settings_name_no_protected_column() -> None:
    settings = json.dumps(sm.build_settings(sm.OPTIONAL_ATTRIBUTES, strict=True)).lower()
    packaged = sm.packaged_model_path().read_text().lower()
    for column in PROTECTED - {"age"}:  # "age" is a substring of ordinary words
        assert column not in settings
        assert column not in packaged
    assert "datediff" not in settings  # no age arithmetic
    assert "date_diff" not in settings


def test_scrambling_protected_columns_changes_nothing() -> None:
    rows = _rows()
    scrambled = rows.with_columns(
        citizenship=pl.col("citizenship").reverse(),
        country_of_birth=pl.lit("US"),
        language=pl.lit("en"),
        sex=pl.col("sex").reverse(),
        age=pl.lit(99),
    )
    a = identity.resolve_persons(rows).rows
    b = identity.resolve_persons(scrambled).rows
    assert a.equals(b)
    assert a.filter(pl.col("registration_id").is_in(["R1", "R2"]))["person_id"].n_unique() == 1
