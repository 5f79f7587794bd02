"""One name normalisation: the draw and the trend analysis agree on "the same name"."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from puerta import names
from puerta.identity import keys
from puerta.trends import families
from puerta.trends import names as trend_names


def test_the_draw_and_the_trend_analysis_use_one_implementation() -> None:
    for module in (keys, trend_names):
        assert module.romanise is names.romanise
        assert module.skeleton is names.skeleton
        assert module.PARTICLES is names.PARTICLES


PAIRS = [
    ("O'Brien", "OBrien"),
    ("Dar'ya", "Darya"),
    ("Julia", "Yulia"),
    ("Iuliia", "Юлия"),
    ("Harutjunjan", "Harutyunyan"),
    ("Aleksandr", "Alexander"),
    ("Maria", "Mario"),
    ("Ivanov", "Ivanova"),
    ("Ana", "Luis"),
    ("de la Cruz", "Cruz"),
    ("Al Hassan", "Hassan"),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_the_draw_and_the_trend_analysis_agree_on_the_same_name(a: str, b: str) -> None:
    draw_same = keys.family_keys(a).full == keys.family_keys(b).full
    trend_same = trend_names.name_keys(a)["skel"] == trend_names.name_keys(b)["skel"]
    assert draw_same == trend_same, (a, b)


def test_apostrophes_vanish_rather_than_split_a_name() -> None:
    # The two romanisers disagreed: the draw's gave "o brien", the trend analysis's "obrien".
    assert names.romanise("O'Brien") == names.romanise("OBrien") == "obrien"
    assert keys.given_key("Dar'ya") == keys.given_key("Darya")


def test_transliteration_routes_with_j_share_a_skeleton() -> None:
    # German and Polish routes write j where English writes y.
    assert len({names.skeleton(names.romanise(n)) for n in ("Julia", "Yuliya", "Юлия")}) == 1
    assert names.skeleton("harutjunjan") == names.skeleton("harutyunyan")
    assert names.skeleton("djamila") == names.skeleton("jamila")


def test_a_final_vowel_keeps_gendered_forms_apart_in_both() -> None:
    assert keys.given_key("Daniel") != keys.given_key("Daniela")
    assert trend_names.name_keys("Daniel")["key"] != trend_names.name_keys("Daniela")["key"]


def test_one_particle_list_everywhere() -> None:
    assert families.surname_tokens("Al Hassan") == ("HASSAN",)
    assert keys.family_keys("Al Hassan") == keys.family_keys("Hassan")
    assert trend_names.name_keys("Al Hassan")["first"] == "hassan"


def test_a_name_of_particles_only_is_kept() -> None:
    assert keys.given_key("Ben") != keys.given_key("")
    assert keys.person_keys("Ben", "Cohen", date(1990, 1, 2)).full.startswith("bn|")


def test_fold_latin_agrees_with_romanise() -> None:
    values = ["O'Brien", "José-María  NÚÑEZ", "de la Cruz", "Zoë", "McDonald's"]
    frame = pl.DataFrame({"v": values}).select(names.fold_latin(pl.col("v")).alias("v"))
    folded = frame["v"].to_list()
    assert folded == [names.romanise(v) for v in values]
