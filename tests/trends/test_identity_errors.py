"""Hand-made cases of each error class the independent population planted (#13).

Small frames: ``model="auto"`` scores them with the packaged model as it is
(too few rows to estimate on), the path a demo or one port's week takes.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest

from puerta.findings.value import POSSIBLE_DUPLICATE_PERSON
from puerta.trends import identity
from puerta.trends import names as tn
from puerta.trends import splink_model as sm

CONTACT = {
    "phone": "+525511112222",
    "email": "viajero.1995@gmail.com",
    "address_line1": "4512 Calle Ocho",
    "zip_code": "78501",
}


def _row(reg: str, given: str, family: str, dob: str, **kw: Any) -> dict[str, Any]:
    return {
        "registration_id": reg,
        "traveler_index": 0,
        "given_names": given,
        "family_names": family,
        "date_of_birth": dob,
        "phone": kw.get("phone"),
        "email": kw.get("email"),
        "address_line1": kw.get("address_line1"),
        "zip_code": kw.get("zip_code"),
    }


# Other people around, so the pair is not alone in the data.
CROWD = [
    _row("X1", "Pedro", "Gómez", "1991-05-05", phone="+525500000001"),
    _row("X2", "Wilner", "Joseph", "1987-10-10", email="wj@example.org"),
    _row("X3", "Olga", "Ivanova", "1979-12-12", address_line1="1 Elm St", zip_code="77001"),
    _row("X4", "Rosa", "Pérez Díaz", "1988-02-02", phone="+525533330003"),
]


def _persons(*rows: dict[str, Any]) -> identity.IdentityResult:
    frame = pl.DataFrame([*rows, *CROWD]).with_columns(pl.col("date_of_birth").str.to_date())
    return identity.resolve_persons(frame)


def _same(result: identity.IdentityResult, a: str, b: str, column: str = "person_id") -> bool:
    ids = dict(result.rows.select("registration_id", column).iter_rows())
    return ids[a] == ids[b]


@pytest.mark.parametrize(
    ("born_a", "born_b"),
    [
        ("1995-02-18", "1995-02-19"),  # one day, one digit
        ("1995-02-28", "1995-03-01"),  # one day across a month's end (three digits)
        ("1999-12-31", "2000-01-01"),  # one day across a year's end
        ("1990-03-17", "1990-03-27"),  # one digit, ten days
        ("1990-03-07", "1990-08-07"),  # one digit in the month
    ],
)
def test_a_near_birth_date_with_the_same_contacts_is_the_same_person(born_a, born_b) -> None:
    result = _persons(
        _row("R1", "Dmitri", "Sokolov", born_a, **CONTACT),
        _row("R2", "Dmitri", "Sokolov", born_b, **CONTACT),
    )
    assert _same(result, "R1", "R2")


def test_a_near_birth_date_is_weaker_evidence_never_a_veto() -> None:
    model = sm.floor_near_dates(sm.load_model(sm.packaged_model_path()))
    (dob,) = [c for c in model["comparisons"] if c["output_column_name"] == "dob"]
    levels = {lvl["label_for_charts"]: lvl for lvl in dob["comparison_levels"]}
    for label in (sm.ONE_DAY_LEVEL, sm.ONE_DIGIT_LEVEL, sm.SWAPPED_DOB_LEVEL):
        level = levels[label]
        assert level["m_probability"] >= max(sm.NEAR_DATE_M_FLOOR, level["u_probability"])
        assert level["m_probability"] < levels["exact"]["m_probability"]


def test_thirty_years_apart_is_not_one_digit() -> None:
    """Father and son with one name at one address: 1965 / 1995 is one digit."""
    result = _persons(
        _row("R1", "Juan", "Pérez", "1965-03-07", **CONTACT),
        _row("R2", "Juan", "Pérez", "1995-03-07", **CONTACT),
    )
    assert not _same(result, "R1", "R2")
    # ...but a slipped key looks the same, so an analyst sees the pair.
    assert _same(result, "R1", "R2", "possible_id")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Wjatscheslaw", "Medwedew"), ("Vyacheslav", "Medvedev")),  # German / English
        (("Viatcheslav", "Medvedev"), ("Wjatscheslaw", "Medwedew")),  # French / German
        (("Julija", "Medwedewa"), ("Ioulia", "Medvedeva")),  # German / French
        (("Michail", "Schtscherbakow"), ("Mikheil", "Chtcherbakov")),  # German / French
        (("Mouhammad", "Haroutiounian"), ("Mohammed", "Harutyunyan")),  # French / English
    ],
)
def test_romanisation_conventions_meet(first, second) -> None:
    for a, b in zip(first, second, strict=True):
        assert tn.name_keys(a)["key"] == tn.name_keys(b)["key"], (a, b)
    contact = {"phone": "+79161234567", "address_line1": "88 Oak Avenue", "zip_code": "33139"}
    result = _persons(
        _row("R1", *first, "1984-06-30", **contact),
        _row("R2", *second, "1984-06-30", **contact),
    )
    assert _same(result, "R1", "R2")


@pytest.mark.parametrize(("a", "b"), [("Ivan", "Ivna"), ("Olga", "Olgs"), ("Olga", "Olya")])
def test_one_typo_in_a_short_name_is_a_typo(a, b) -> None:
    contact = {"email": "olga.k@mail.ru", "address_line1": "9 Pine Road", "zip_code": "78520"}
    result = _persons(
        _row("R1", a, "Kuznetsova", "1979-11-02", **contact),
        _row("R2", b, "Kuznetsova", "1979-11-02", **contact),
    )
    (weight,) = result.pairs.filter(pl.col("linked"))["mw_given"].to_list()
    assert _same(result, "R1", "R2")
    assert weight == pytest.approx(_weight_of("given", "sounds alike or one typo"))


def _weight_of(comparison: str, label: str) -> float:
    """A level's match weight, log2(m / u), in the packaged model."""
    model = sm.load_model(sm.packaged_model_path())
    (c,) = [c for c in model["comparisons"] if c["output_column_name"] == comparison]
    (level,) = [lvl for lvl in c["comparison_levels"] if lvl["label_for_charts"] == label]
    return math.log2(level["m_probability"] / level["u_probability"])


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ({"phone": "+13055550008", "email": "ng@yahoo.com", "address_line1": "77 Ocean Dr"}, True),
        ({}, True),  # nothing to compare at all
    ],
)
def test_namesakes_sharing_only_name_and_birth_date_are_at_most_possibly(other, expected) -> None:
    """However rare the name: no shared contact, address, device or photo, no merge."""
    result = _persons(
        _row("R1", "Nairi", "Ghukasyan", "1992-09-14", **CONTACT),
        _row("R2", "Nairi", "Ghukasyan", "1992-09-14", **other),
    )
    assert not _same(result, "R1", "R2")
    assert _same(result, "R1", "R2", "possible_id") is expected
    found = identity.possible_duplicate_person_findings(result)
    assert [f.kind for f in found] == [POSSIBLE_DUPLICATE_PERSON]
    assert set(found[0].registration_ids) == {"R1", "R2"}
    assert found[0].explanation_codes == (
        "explain.possible_duplicate_person.name_only",
        "explain.possible_duplicate_person.advice",
    )
    assert not identity.duplicate_person_findings(result)


def test_a_shared_device_corroborates_a_name_and_birth_date() -> None:
    """One person registering again from the same phone, this time giving no contact."""
    first = {**_row("R1", "Nairi", "Ghukasyan", "1992-09-14", **CONTACT), "device_id": "D1"}
    second = {**_row("R2", "Nairi", "Ghukasyan", "1992-09-14"), "device_id": "D1"}
    crowd = [{**r, "device_id": f"D{i + 2}"} for i, r in enumerate(CROWD)]
    frame = pl.DataFrame([first, second, *crowd]).with_columns(
        pl.col("date_of_birth").str.to_date()
    )
    assert _same(identity.resolve_persons(frame), "R1", "R2")


def test_only_names_and_birth_date_never_corroborate() -> None:
    pairs = pl.DataFrame(
        {
            "match_probability": [0.9999, 0.9999, 0.9999],
            "mw_given": [12.0, 12.0, 12.0],
            "mw_tf_adj_given": [3.0, 3.0, 3.0],  # a rare name is no corroboration
            "mw_family": [12.0, 12.0, 12.0],
            "mw_tf_adj_dob": [1.0, 1.0, 1.0],
            "mw_dob": [14.0, 14.0, 14.0],
            "mw_household": [0.0, None, 8.6],
        }
    )
    assert pairs.select(identity.corroborated(pairs)).to_series().to_list() == [
        False,
        False,
        True,
    ]
