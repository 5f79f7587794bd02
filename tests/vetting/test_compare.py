"""Field levels: the identity model's comparison levels, applied to one pair in Python.

The cross-check runs the model's own SQL levels (``puerta.trends.splink_model``)
in DuckDB on pairs of synthetic people and their spelling variants and slips,
and asserts that both give the same level, so vetting and the trend analysis
agree on what "the same name" and "the same birth date" are.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import duckdb
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from puerta.trends import names
from puerta.trends import splink_model as sm
from puerta.vetting import compare as c
from tests.vetting import synthetic


def forms(given: str, family: str) -> c.NameForms:
    return c.NameForms.of(given, family)


@pytest.mark.parametrize(
    ("left", "right", "given_level", "family_level"),
    [
        (("Ana", "Pérez"), ("ANA", "Perez"), c.EXACT, c.EXACT),
        (("Aleksandr", "Harutyunyan"), ("Олександр", "Arutyunyan"), c.SKELETON, c.SKELETON),
        (("Wjatscheslaw", "Iwanow"), ("Vyacheslav", "Ivanov"), c.SKELETON, c.SKELETON),
        (("Pérez", "Ana"), ("Ana", "Pérez"), c.SWAPPED, c.SWAPPED),
        (("Ana Lucía", "Morales Pérez"), ("Ana", "Morales"), c.WORD_IN_COMMON, c.WORD_IN_COMMON),
        (("Daniel", "Soto"), ("Daniela", "Soto"), c.GENDERED, c.EXACT),
        (("Ivan", "Petrov"), ("Ivna", "Petrov"), c.SOUNDS_ALIKE, c.EXACT),
        (("Maria", "de la Cruz"), ("Maria", "de León"), c.EXACT, c.DIFFERENT),
        (("Maria", "Gomez"), ("Maria", None), c.EXACT, c.MISSING),
    ],
)
def test_name_levels(
    left: tuple[str, str], right: tuple[str, str | None], given_level: str, family_level: str
) -> None:
    a, b = forms(*left), c.NameForms.of(*right)
    assert (c.given_level(a, b), c.family_level(a, b)) == (given_level, family_level)


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        (date(1990, 3, 7), date(1990, 3, 7), c.EXACT),
        (date(1990, 3, 7), date(1990, 7, 3), c.DAY_MONTH_SWAPPED),
        (date(1995, 2, 28), date(1995, 3, 1), c.ONE_DAY),
        (date(1999, 12, 31), date(2000, 1, 1), c.ONE_DAY),
        (date(1990, 3, 7), date(1991, 3, 7), c.ONE_DIGIT),
        (date(1965, 3, 7), date(1995, 3, 7), c.DECADE_DIGIT),
        (date(1990, 3, 7), date(1990, 5, 9), c.TWO_DIGITS),
        (date(1990, 3, 7), date(1971, 11, 21), c.DIFFERENT),
        (date(1990, 3, 7), None, c.MISSING),
    ],
)
def test_birth_date_levels(left: date, right: date | None, level: str) -> None:
    assert c.dob_level(left, right) == level
    assert c.dob_level(right, left) == level


def test_documents_and_codes() -> None:
    assert c.document_level("ab-123 456", "AB123456") == c.SAME
    assert c.document_level("AB123456", "AB123465") == c.ONE_EDIT
    assert c.document_level("AB123456", "ZZ999999") == c.DIFFERENT
    assert c.document_level(None, "AB123456") == c.MISSING
    assert c.plain_level("f", "F") == c.SAME
    assert c.plain_level("F", "M") == c.DIFFERENT
    assert c.plain_level(None, "M") == c.MISSING


# --- the cross-check against the model's SQL ---------------------------------------------


def _features(given: str, family: str, born: date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prefix, raw in (("given", given), ("family", family)):
        keys = names.name_keys(raw)
        out |= {f"{prefix}_{k}": v for k, v in keys.items()}
    digits = born.strftime("%Y%m%d")
    swap = c._swap(born)
    out |= {
        "dob": digits,
        "dob_swap": swap,
        "dob_next": (born + timedelta(days=1)).strftime("%Y%m%d"),
    }
    return out


def _case(comparison: dict[str, Any]) -> str:
    whens = []
    for level in comparison["comparison_levels"]:
        label = level["label_for_charts"].replace("'", "''")
        if level["sql_condition"] == "ELSE":
            whens.append(f"ELSE '{label}'")
        else:
            whens.append(f"WHEN {level['sql_condition']} THEN '{label}'")
    return "CASE " + " ".join(whens) + " END"


def _pairs() -> list[tuple[tuple[str, str, date], tuple[str, str, date]]]:
    rng = random.Random(2026)
    out = []
    persons = synthetic.people(400)
    for p in persons:
        spelled = synthetic.spellings(p)
        for g, f in spelled:
            out.append(((p.given, p.family, p.born), (g, f, p.born)))
        q = synthetic.slipped(p, rng)
        out.append(((p.given, p.family, p.born), (q.given, q.family, q.born)))
        out.append(((p.given, p.family, p.born), (p.family, p.given, p.born)))
        other = rng.choice(persons)
        out.append(((p.given, p.family, p.born), (other.given, other.family, other.born)))
        out.append(((p.given, p.family, p.born), (p.given, other.family, p.born)))
    return out


def _particle_overlap(a: str, b: str) -> bool:
    """Names that share only a particle: the one place vetting deliberately differs."""
    wa, wb = set(names.romanise(a).split()), set(names.romanise(b).split())
    return bool(wa & wb) and not (wa & wb) - names.PARTICLES


def test_levels_are_the_identity_models_own() -> None:
    pairs = _pairs()
    rows = []
    for (lg, lf, lb), (rg, rf, rb) in pairs:
        left, right = _features(lg, lf, lb), _features(rg, rf, rb)
        rows.append(
            {f"{k}_l": v for k, v in left.items()} | {f"{k}_r": v for k, v in right.items()}
        )
    con = duckdb.connect()
    frame = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))
    con.register("pairs", frame.to_arrow())
    given_sql = _case(sm._name_comparison("given", "family"))
    family_sql = _case(sm._name_comparison("family", "given"))
    dob_sql = _case(sm._dob_comparison())
    got = con.execute(f"SELECT {given_sql}, {family_sql}, {dob_sql} FROM pairs").fetchall()  # noqa: S608
    compared = skipped = 0
    levels_seen: set[str] = set()
    for ((lg, lf, lb), (rg, rf, rb)), (sql_given, sql_family, sql_dob) in zip(
        pairs, got, strict=True
    ):
        a, b = forms(lg, lf), forms(rg, rf)
        mine = (c.given_level(a, b), c.family_level(a, b), c.dob_level(lb, rb))
        if _particle_overlap(lg, rg) or _particle_overlap(lf, rf):
            skipped += 1
            continue
        compared += 1
        levels_seen.update(mine)
        assert tuple(c.SPLINK_LABELS[x] for x in mine) == (sql_given, sql_family, sql_dob), (
            (lg, lf, lb),
            (rg, rf, rb),
        )
    assert compared > 1500
    assert skipped < compared / 50
    # The pairs reach the levels that matter, so the agreement means something.
    assert {c.EXACT, c.SKELETON, c.SWAPPED, c.WORD_IN_COMMON, c.SOUNDS_ALIKE, c.DIFFERENT} <= (
        levels_seen
    )
    assert {c.ONE_DAY, c.ONE_DIGIT} <= levels_seen


# --- symmetry --------------------------------------------------------------------------

NAME = st.sampled_from(
    [
        "Ana",
        "Ana Lucía",
        "Pérez",
        "Morales Pérez",
        "Олександр",
        "Aleksandr",
        "Alexander",
        "Harutyunyan",
        "Арутюнян",
        "Daniel",
        "Daniela",
        "de la Cruz",
        "Mohammed",
        "محمد",
        "Ivan",
        "Ivna",
    ]
) | st.text(alphabet="abcdeilmnorsuyz ", min_size=1, max_size=12)
BORN = st.dates(min_value=date(1920, 1, 1), max_value=date(2025, 12, 31))


@given(NAME, NAME, NAME, NAME, BORN, BORN)
def test_every_level_is_symmetric(g1: str, f1: str, g2: str, f2: str, b1: date, b2: date) -> None:
    a, b = c.NameForms.of(g1, f1), c.NameForms.of(g2, f2)
    assert c.given_level(a, b) == c.given_level(b, a)
    assert c.family_level(a, b) == c.family_level(b, a)
    assert c.dob_level(b1, b2) == c.dob_level(b2, b1)
