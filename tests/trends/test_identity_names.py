"""Romanisation and matching keys: the variants a duplicate person really writes."""

from __future__ import annotations

import pytest

from puerta.trends import names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Հարությունյան", "harutyunyan"),
        ("Խաչատրյան", "khachatryan"),
        ("Ոսկանյան", "voskanyan"),
        ("Եղիազարյան", "yeghiazaryan"),
        ("Ռուզաննա", "ruzanna"),
        ("Олександр", "oleksandr"),
        ("Дарья", "darya"),
        ("  José-María  NÚÑEZ ", "jose maria nunez"),
        ("O'Brien", "obrien"),
        (None, ""),
    ],
)
def test_romanise(raw: str | None, expected: str) -> None:
    assert names.romanise(raw) == expected


@pytest.mark.parametrize(
    "variants",
    [
        ("Aleksandr", "Alexander", "Oleksandr", "Александр"),
        ("Harutyunyan", "Arutyunyan", "Հարությունյան", "Арутюнян"),
        ("Khachatryan", "Khachatrian", "Хачатрян", "Խաչատրյան"),
        ("Muhammad", "Mohamed", "Mohammed", "محمد"),
        ("Gonzalez", "González", "Gonzales"),
    ],
)
def test_transliteration_variants_share_a_skeleton(variants: tuple[str, ...]) -> None:
    keys = {names.name_keys(v)["key"] for v in variants}
    assert len(keys) == 1, keys


def test_different_names_keep_different_skeletons() -> None:
    pairs = [
        ("Maria", "Mario"),
        ("Daniel", "Daniela"),
        ("Ivanov", "Ivanova"),
        ("Ahmed", "Mohammed"),
    ]
    for a, b in pairs:
        assert names.name_keys(a)["key"] != names.name_keys(b)["key"], (a, b)
    assert names.name_keys("Danela")["key"] == names.name_keys("Daniela")["key"]  # a typo


def test_name_keys_drop_particles_and_keep_every_surname() -> None:
    keys = names.name_keys("de la Cruz Pérez")
    assert keys["norm"] == "de la cruz perez"
    assert keys["first"] == "cruz"
    assert keys["skel"] == "krs prs"


def test_missing_name_is_null_everywhere() -> None:
    assert set(names.name_keys("").values()) == {None}
