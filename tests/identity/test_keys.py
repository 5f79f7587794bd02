"""Normalised person keys: transliteration, accents, swapped dates, double surnames."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from puerta.identity import keys
from puerta.identity.resolver import KeyResolver, PersonResolver


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Aleksandr", "Alexander"),
        ("Oleksandr", "Александр"),
        ("Олександр", "Alexander"),
        ("Юлия", "Julia"),
        ("Iuliia", "Yuliya"),
        ("Dmitriy", "Dmitry"),
        ("Dmytro", "Dmitro"),
        ("Mohammed", "Muhammad"),
        ("JOSÉ  LUIS", "jose-luis"),
        ("Zoë", "Zoe"),
    ],
)
def test_given_names_match_across_scripts_and_spellings(a: str, b: str) -> None:
    assert keys.given_key(a) == keys.given_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Harutyunyan", "Arutyunyan"),
        ("Հարությունյան", "Harutyunyan"),
        ("Арутюнян", "Harutyunyan"),
        ("Хачатрян", "Khachatryan"),
        ("González", "Gonzales"),
        ("de la Cruz", "Cruz"),
        ("Jean-Baptiste", "Jean Baptiste"),
    ],
)
def test_family_names_match(a: str, b: str) -> None:
    assert keys.family_keys(a).full == keys.family_keys(b).full


def test_distinct_names_stay_distinct() -> None:
    assert keys.given_key("Ana") != keys.given_key("Luis")
    assert keys.family_keys("García").full != keys.family_keys("López").full


def test_swapped_day_and_month() -> None:
    assert keys.dob_key(date(1990, 3, 7)) == keys.dob_key(date(1990, 7, 3))
    assert keys.dob_key(date(1990, 3, 7)) != keys.dob_key(date(1991, 3, 7))


def test_double_surname_partial_keys() -> None:
    full = keys.person_keys("Ana", "García López", date(1990, 1, 2), "F")
    for one in ("García", "López"):
        assert keys.person_keys("Ana", one, date(1990, 1, 2), "F").full in full.partial


def _rows(*people: tuple[str, str, date, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            dict(zip(("given_names", "family_names", "date_of_birth", "sex"), p, strict=True))
            for p in people
        ]
    )


def test_resolver_links_variants_and_keeps_strangers_apart() -> None:
    d, s = date(1990, 3, 7), date(1990, 7, 3)
    rows = _rows(
        ("Aleksandr", "Harutyunyan", d, "M"),
        ("АЛЕКСАНДР", "Арутюнян", s, "M"),
        ("Ana", "García López", d, "F"),
        ("Ana", "García", s, "F"),
        ("Ana", "García Pérez", d, "F"),  # linked to the above only through "García"
        ("Luis", "García", d, "M"),
    )
    people = KeyResolver().resolve(rows).tolist()
    assert people[0] == people[1]
    assert people[2] == people[3] == people[4]
    assert len({people[0], people[2], people[5]}) == 3
    assert isinstance(KeyResolver(), PersonResolver)


def test_two_double_surnames_do_not_link_without_a_single_one() -> None:
    d = date(1990, 3, 7)
    rows = _rows(("Ana", "García López", d, "F"), ("Ana", "García Pérez", d, "F"))
    people = KeyResolver().resolve(rows).tolist()
    assert people[0] != people[1]


def test_empty() -> None:
    empty = pl.DataFrame(
        schema={"given_names": pl.Utf8, "family_names": pl.Utf8, "date_of_birth": pl.Date}
    )
    assert len(KeyResolver().resolve(empty)) == 0
