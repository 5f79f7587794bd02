"""Blocking rules and the swapped-names levels, checked in DuckDB without training.

A person who writes the family name in the given-name field (and the given
name in the family-name field) must still be compared, and still be
recognised, when one of the names or the birth year also carries a typo.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import polars as pl

from puerta.trends import identity
from puerta.trends import splink_model as sm


def _features(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema=["registration_id", "given_names", "family_names", "date_of_birth"],
        orient="row",
    )
    _, features = identity.identity_features(frame)
    return features


def _candidate_pairs(features: pl.DataFrame, rules: list[str]) -> int:
    con = duckdb.connect()
    con.register("arrow_features", features.to_arrow())
    con.execute("CREATE TABLE features AS SELECT * FROM arrow_features")
    table = sm._blocked_pairs(con, "features", rules)
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def _name_comparisons() -> list[dict[str, Any]]:
    """The given-name and family-name comparisons, both of them (never fewer)."""
    by_column = {c["output_column_name"]: c for c in sm.comparisons((), strict=True)}
    return [by_column["given"], by_column["family"]]


def _level(comparison: dict[str, Any], features: pl.DataFrame) -> str:
    """The label of the first level of ``comparison`` that the two rows meet."""
    cases = " ".join(
        f"WHEN {level['sql_condition']} THEN '{level['label_for_charts']}'"
        for level in comparison["comparison_levels"]
        if level["sql_condition"] != "ELSE"
    )
    left = features.head(1).rename({c: f"{c}_l" for c in features.columns})
    right = features.tail(1).rename({c: f"{c}_r" for c in features.columns})
    con = duckdb.connect()
    con.register("pair", pl.concat([left, right], how="horizontal").to_arrow())
    return con.execute(f"SELECT CASE {cases} ELSE 'different' END FROM pair").fetchone()[0]  # noqa: S608


def test_swapped_names_with_a_wrong_birth_year_are_compared() -> None:
    features = _features(
        [
            ("R1", "Lucy", "Fitzpatrick", "1921-02-22"),
            ("R2", "Fitzpatrick", "Lucy", "1922-02-22"),
        ]
    )
    rules = sm.blocking_rules((), strict=True)
    assert _candidate_pairs(features, rules) == 1


def test_swapped_names_with_a_typo_meet_the_swapped_level() -> None:
    features = _features(
        [
            ("R1", "Gabrielle", "Langer", "1980-08-10"),
            ("R2", "Langer", "Gabriele", "1980-08-10"),
        ]
    )
    for comparison in _name_comparisons():
        assert _level(comparison, features) == sm.SWAPPED_TYPO_LEVEL


def test_different_people_do_not_meet_the_swapped_level() -> None:
    features = _features(
        [
            ("R1", "Maria", "Lopez", "1980-08-10"),
            ("R2", "Lopez", "Fernando", "1980-08-10"),
        ]
    )
    for comparison in _name_comparisons():
        assert _level(comparison, features) == "different"


def test_packaged_model_blocks_with_the_current_rules() -> None:
    """Blocking is not trained: the shipped model must use the rules in the code."""
    model = json.loads(sm.packaged_model_path().read_text())
    shipped = [r["blocking_rule"] for r in model["blocking_rules_to_generate_predictions"]]
    assert shipped == sm.blocking_rules(sm.HOUSEHOLD_ATTRIBUTES, strict=True)


def test_every_strict_rule_keeps_blocks_small() -> None:
    """Each registration rule pairs a key with a birth-date part or a contact (no bare name)."""
    narrow = ("dob", "phone", "zip", "doc_number")
    rules = sm.blocking_rules(sm.OPTIONAL_ATTRIBUTES, strict=True)
    assert rules  # else the loop below checks nothing
    for rule in rules:
        assert any(f"l.{key}" in rule for key in narrow), rule
        assert "address" not in rule, rule
