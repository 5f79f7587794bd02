"""Duplicate persons on small hand-made registrations: true matches and the traps.

The frames are too small to train on, so these tests score with the packaged
model (``model="auto"`` picks it below the training size), which is also what
a demo or a single port's data gets.
"""

from __future__ import annotations

import zlib
from typing import Any

import polars as pl
import pytest

from puerta.findings.value import DUPLICATE_PERSON
from puerta.trends import evaluate_identity, identity, identity_clusters
from puerta.trends import splink_model as sm

HOME = {"address_line1": "4512 Calle Ocho", "zip_code": "78501"}


def _n(who: str) -> int:
    return zlib.crc32(who.encode())


def _row(reg: str, idx: int, given: str, family: str, dob: str, who: str, **kw: Any) -> dict:
    return {
        "registration_id": reg,
        "traveler_index": idx,
        "given_names": given,
        "family_names": family,
        "date_of_birth": dob,
        "phone": kw.get("phone"),
        "email": kw.get("email"),
        "address_line1": kw.get("address_line1", f"{_n(who) % 9000 + 100} Elm Street"),
        "address_line2": kw.get("address_line2"),
        "zip_code": kw.get("zip_code", "770" + str(_n(who) % 90 + 10)),
        "who": who,
    }


def _population() -> pl.DataFrame:
    rows = [
        # True duplicates: transliteration, native script, day/month swap.
        _row("R01", 0, "Aleksandr", "Harutyunyan", "1990-03-07", "alex", phone="+525511110001"),
        _row("R02", 0, "Alexander", "Arutyunyan", "1990-07-03", "alex", phone="+525511110001"),
        _row("R03", 0, "Александр", "Арутюнян", "1990-03-07", "alex", email="alex.h@mail.ru"),
        _row("R04", 0, "Ալեքսանդր", "Հարությունյան", "1990-03-07", "alex", phone="+525511110001"),
        # Dropped second surname, accents, unit written two ways.
        _row(
            "R05",
            0,
            "María José",
            "García López",
            "1985-11-20",
            "mjose",
            address_line1="123 Main Street",
            address_line2="Apt 4",
            zip_code="78520",
            phone="+525522220002",
        ),
        _row(
            "R06",
            0,
            "Maria Jose",
            "Garcia",
            "1985-11-20",
            "mjose",
            address_line1="123 MAIN ST #4",
            zip_code="78520-1234",
            email="mjg@gmail.com",
        ),
        # Typos and upper case.
        _row("R07", 0, "Jean-Baptiste", "Pierre", "1979-01-15", "jb", email="jbp@gmail.com"),
        _row("R08", 0, "Jean Baptiste", "Piere", "1979-01-15", "jb", email="jbp@gmail.com"),
        _row("R09", 0, "JEAN BAPTISTE", "PIERRE", "1979-01-15", "jb", phone="+50937000001"),
        # Twins, travelling together and registered twice: four persons' worth of traps.
        _row(
            "R10",
            0,
            "Rosa",
            "Pérez Díaz",
            "1988-02-02",
            "mother",
            phone="+525533330003",
            email="rosa.pd@gmail.com",
            **HOME,
        ),
        _row(
            "R10",
            1,
            "Daniel",
            "Pérez Díaz",
            "2015-06-01",
            "twin1",
            phone="+525533330003",
            email="rosa.pd@gmail.com",
            **HOME,
        ),
        _row(
            "R10",
            2,
            "Daniela",
            "Pérez Díaz",
            "2015-06-01",
            "twin2",
            phone="+525533330003",
            email="rosa.pd@gmail.com",
            **HOME,
        ),
        _row("R11", 0, "Rosa", "Perez Diaz", "1988-02-02", "mother", phone="+525533330003", **HOME),
        _row(
            "R11", 1, "Daniel", "Perez Diaz", "2015-06-01", "twin1", phone="+525533330003", **HOME
        ),
        _row(
            "R11", 2, "Danela", "Perez Diaz", "2015-06-01", "twin2", phone="+525533330003", **HOME
        ),
        _row(
            "R12",
            0,
            "Juan",
            "Pérez Díaz",
            "2015-06-01",
            "twin3",
            phone="+525533330003",
            email="rosa.pd@gmail.com",
            **HOME,
        ),
        # A family sharing address, phone and email, registered twice.
        _row(
            "R13",
            0,
            "Carlos",
            "Ramírez",
            "1980-04-10",
            "carlos",
            phone="+525544440004",
            email="ramirez.fam@gmail.com",
            **HOME,
        ),
        _row(
            "R13",
            1,
            "Ana",
            "Torres",
            "1982-08-22",
            "ana",
            phone="+525544440004",
            email="ramirez.fam@gmail.com",
            **HOME,
        ),
        _row(
            "R13",
            2,
            "Luis",
            "Ramírez Torres",
            "2010-12-01",
            "luis",
            phone="+525544440004",
            email="ramirez.fam@gmail.com",
            **HOME,
        ),
        _row(
            "R13",
            3,
            "Sofía",
            "Ramírez Torres",
            "2012-03-05",
            "sofia",
            phone="+525544440004",
            email="ramirez.fam@gmail.com",
            **HOME,
        ),
        _row("R14", 0, "Carlos", "Ramirez", "1980-04-10", "carlos", phone="+525544440004", **HOME),
        _row("R14", 1, "Ana", "Torres", "1982-08-22", "ana", phone="+525544440004", **HOME),
        _row("R14", 2, "Luis", "Ramirez Torres", "2010-12-01", "luis", **HOME),
        _row("R14", 3, "Sofia", "Ramirez Torres", "2012-03-05", "sofia", **HOME),
        # Common names with different birth dates, and one sharing a birth date.
        _row("R15", 0, "Maria", "Garcia", "1990-01-01", "mg1", phone="+525555550005"),
        _row("R16", 0, "Maria", "Garcia", "1985-05-12", "mg2", phone="+525555550006"),
        _row("R17", 0, "María", "García", "1972-09-30", "mg3", phone="+525555550007"),
        _row(
            "R18",
            0,
            "Maria",
            "Garcia",
            "1990-01-01",
            "mg4",
            phone="+13055550008",
            address_line1="77 Ocean Drive",
            zip_code="33139",
            email="mgarcia77@yahoo.com",
        ),
        # Unrelated people at one shelter.
        *[
            _row(
                f"R2{i}", 0, g, f, d, f"shelter{i}", address_line1="1 Shelter Way", zip_code="78520"
            )
            for i, (g, f, d) in enumerate(
                [
                    ("Pedro", "Gómez", "1991-05-05"),
                    ("Wilner", "Joseph", "1987-10-10"),
                    ("Olga", "Ivanova", "1979-12-12"),
                    ("Pablo", "Gómez", "1993-07-07"),
                ]
            )
        ],
    ]
    return pl.DataFrame(rows).with_columns(pl.col("date_of_birth").str.to_date())


@pytest.fixture(scope="module")
def population() -> pl.DataFrame:
    return _population()


@pytest.fixture(scope="module")
def result(population: pl.DataFrame) -> identity.IdentityResult:
    assert sm.packaged_model_path().exists()
    return identity.resolve_persons(population.drop("who"))


def _labelled(population: pl.DataFrame, result: identity.IdentityResult) -> pl.DataFrame:
    key = ["registration_id", "traveler_index"]
    return result.rows.join(population.select(*key, "who"), on=key)


def test_every_person_found_and_no_false_match(population, result) -> None:
    labelled = _labelled(population, result)
    scores = evaluate_identity.pairwise_scores(labelled["person_id"], labelled["who"])
    assert scores["precision"] == 1.0
    assert scores["recall"] == 1.0
    assert labelled["person_id"].n_unique() == population["who"].n_unique()


def test_twins_and_family_members_stay_apart(population, result) -> None:
    labelled = _labelled(population, result)
    per_who = dict(labelled.group_by("who").agg(pl.col("person_id").first()).iter_rows())
    family = ["mother", "twin1", "twin2", "twin3", "carlos", "ana", "luis", "sofia"]
    assert len({per_who[w] for w in family}) == len(family)
    assert len({per_who[w] for w in ("mg1", "mg2", "mg3", "mg4")}) == 4


def test_exact_key_misses_the_variants(population, result) -> None:
    labelled = _labelled(population, result)
    exact = evaluate_identity.pairwise_scores(labelled["exact_key_id"], labelled["who"])
    assert exact["recall"] < 0.5
    # ...and merges the two Maria Garcias born the same day, who live apart.
    mg = labelled.filter(pl.col("who").is_in(["mg1", "mg4"]))
    assert mg["exact_key_id"].n_unique() == 1
    assert mg["person_id"].n_unique() == 2


def test_persons_list_registrations_and_variations(result) -> None:
    alex = result.persons.filter(pl.col("registration_ids").list.contains("R01")).row(0, named=True)
    assert alex["registration_ids"] == ["R01", "R02", "R03", "R04"]
    assert "Alexander Arutyunyan" in alex["name_variants"]
    assert "Александр Арутюнян" in alex["name_variants"]
    assert sorted(alex["dob_variants"]) == ["19900307", "19900703"]
    assert alex["n_exact_keys"] >= 3
    assert alex["min_link_probability"] >= identity.DEFAULT_THRESHOLD
    linked = result.pairs.filter(pl.col("linked") & (pl.col("person_id") == alex["person_id"]))
    assert {"match_probability", "mw_given", "mw_dob", "mw_household"} <= set(linked.columns)


def test_findings_name_the_person_and_the_evidence(result) -> None:
    findings = identity.duplicate_person_findings(result)
    assert {f.kind for f in findings} == {DUPLICATE_PERSON}
    alex = next(f for f in findings if "R01" in f.registration_ids)
    assert alex.registration_ids == ("R01", "R02", "R03", "R04")
    written, born, exact = alex.explanation
    assert written.code in ("explain.duplicate_person.ways", "explain.duplicate_person.many_ways")
    assert written.params["registrations"] == 4
    assert written.params["name_count"] >= 3
    assert "Alexander Arutyunyan" in written.params["names"]
    assert born.code == "explain.duplicate_person.birth_dates"
    assert born.params["birth_date_count"] == 2
    assert born.params["birth_dates"] == ["1990-03-07", "1990-07-03"]
    assert born.params["weakest_link"] >= identity.DEFAULT_THRESHOLD
    assert exact.code == "explain.duplicate_person.exact_keys"
    assert exact.params["exact_keys"] >= 3
    again = identity.duplicate_person_findings(result)
    assert [f.key for f in again] == [f.key for f in findings]


def test_person_ids_are_stable_across_row_order(population) -> None:
    shuffled = population.sample(fraction=1.0, shuffle=True, seed=7).drop("who")
    a = identity.resolve_persons(population.drop("who")).rows.sort(
        "registration_id", "traveler_index"
    )
    b = identity.resolve_persons(shuffled).rows.sort("registration_id", "traveler_index")
    assert a["person_id"].to_list() == b["person_id"].to_list()


def test_cannot_link_keeps_one_registrations_travelers_apart() -> None:
    rows = pl.DataFrame({"registration_id": ["R1", "R1", "R2", "R3"], "uid": [0, 1, 2, 3]})
    edges = pl.DataFrame(
        {"uid_l": [0, 1, 2], "uid_r": [2, 2, 3], "match_probability": [0.99, 0.97, 0.95]}
    )
    labels = identity_clusters.clusters(rows, edges, 4).tolist()
    assert labels[0] == labels[2] == labels[3]
    assert labels[1] != labels[0]


def test_pairwise_scores_count_pairs_inside_clusters() -> None:
    s = evaluate_identity.pairwise_scores(pl.Series([1, 1, 1, 2]), pl.Series(["a", "a", "b", "b"]))
    assert (s["tp"], s["predicted_pairs"], s["true_pairs"]) == (1, 3, 2)
    assert s["precision"] == pytest.approx(1 / 3)
    assert s["recall"] == pytest.approx(1 / 2)
