"""Address normalisation and clusters, with the false-positive traps."""

from __future__ import annotations

import csv
import random
import re
from importlib import resources

import polars as pl
import pytest
from scourgify import normalize_address_record

from puerta.findings.value import ADDRESS_CLUSTER, KNOWN_ADDRESS
from puerta.trends import address_normalise as an
from puerta.trends.addresses import (
    KnownAddress,
    analyse_addresses,
    find_address_clusters,
    load_known_addresses,
)
from tests.trends.frames import T0, frame, minutes, row, surname

VARIANTS = [
    ("123 Main Street", "Apt 4", "Houston", "77002"),
    ("123 MAIN ST #4", None, "HOUSTON", "77002-1234"),
    ("123 main st. unit 4", None, "houston", None),
    ("123 Mian Stret", "Apartment 4", "Houston", "77002"),
    ("123 Main St Apt4", None, "Huston", "77002"),
    ("123 Main", "# 4", "Houston", "77002"),
    ("123  Main   Street", "Apt. 4", "Houston", None),
]
PORTS = ["SYS", "BRO", "HID", "CXL", "LRD", "EGP", "ELP", "NOG"]


def _planted(n: int = 16, start: int = 0) -> list[dict]:
    """Unrelated people giving one flat, one every eight days (the report's
    house collected them over eight months, a household at a time)."""
    out = []
    for i in range(n):
        line1, line2, city, z = VARIANTS[i % len(VARIANTS)]
        out.append(
            row(
                f"P{start + i}",
                given_names=f"Given{chr(65 + i % 26)}",
                family_names=surname(i),
                address_line1=line1,
                address_line2=line2,
                city=city,
                zip_code=z,
                created_at=T0 + minutes(8 * 1440 * i),
                appointment_port=PORTS[i % len(PORTS)],
            )
        )
    return out


def test_variants_of_one_place_give_one_key() -> None:
    keyed = an.key_addresses(frame(_planted(len(VARIANTS))))
    assert keyed["address_key"].unique().to_list() == ["123 MAIN ST|4|HOUSTON|TX"]


def test_different_places_stay_apart() -> None:
    rows = [
        row("A", address_line1="123 Main St", address_line2="Apt 4"),
        row("B", address_line1="123 Main St", address_line2="Apt 5"),
        row("C", address_line1="125 Main St", address_line2="Apt 4"),
        row("D", address_line1="123 Main St", address_line2="Apt 4", city="Dallas", zip_code=None),
    ]
    assert an.key_addresses(frame(rows))["address_key"].n_unique() == 4


@pytest.mark.parametrize(
    "line",
    ["", "asdf", "PO Box 12", "Calle 5 #123", "123 Main St 123 Main St", "### ,,,", "Ñandú 7"],
)
def test_odd_addresses_never_crash(line: str) -> None:
    street, unit, designator = an.normalise_street(line)
    assert (unit, designator) == ("", "")  # none of them names a unit
    assert street == " ".join(street.split()) == street.upper()
    assert re.findall(r"\d+", street) == re.findall(r"\d+", line)  # the numbers are kept


def test_fast_rules_agree_with_scourgify_on_plain_addresses() -> None:
    for line in ["123 North Main Street", "45 Oak Avenue", "9 W 42nd Street", "700 Elm Boulevard"]:
        expected = normalize_address_record(line)["address_line_1"]
        assert an.normalise_street(line)[0] == expected


def test_zip_plus_four_and_missing_zip() -> None:
    assert an.zip5("77002-1234") == "77002"
    assert an.zip5(None) == ""
    assert an.zip5("7700") == ""


def test_planted_cluster_is_flagged_and_explained() -> None:
    findings = find_address_clusters(frame(_planted()), known=[])
    assert [f.kind for f in findings] == [ADDRESS_CLUSTER]
    f = findings[0]
    assert f.flagged
    assert f.evidence["persons"] == 16
    assert f.evidence["apparent_families"] >= 14
    assert sum(f.evidence["holders_by_port"].values()) == 16
    gave, ports, place, arrivals = f.explanation
    assert gave.code == "explain.address_cluster.gave"
    assert gave.params["persons"] == 16
    assert gave.params["address"] == "123 MAIN ST #4, HOUSTON TX 77002"
    assert gave.params["families"] == f.evidence["apparent_families"]
    assert gave.params["first_seen"] == f.evidence["first_seen"][:10]
    assert ports.code == "explain.address_cluster.ports"
    assert ports.params["port_count"] == 8
    assert sum(p["count"] for p in ports.params["ports"]) == 16
    assert place.code == f"explain.address_cluster.{f.evidence['place_type']}"
    assert place.params == {"plausible": f.evidence["plausible_persons"]}
    # One a week for sixteen weeks: sixteen separate arrivals, beyond what is plausible.
    assert arrivals.code == "explain.address_cluster.arrivals"
    assert arrivals.params["count"] == f.evidence["separate_arrivals"] == 16
    assert arrivals.params["plausible"] == f.evidence["plausible_arrivals"] < 16
    assert len(f.registration_ids) == 16
    assert f.normalised_keys == ("123 MAIN ST|4|HOUSTON|TX",)


def test_one_large_family_is_not_flagged() -> None:
    names = ["García López", "Garcia", "GARCIA LOPEZ", "García", "López García", "Garcia Lopes"]
    rows = [
        row(
            f"F{i}",
            position,
            given_names=f"Kid{i}{position}",
            family_names=names[i % 6],
            address_line1="77 Oak Ave",
            created_at=T0 + minutes(i),
        )
        for i in range(6)
        for position in range(2)
    ]
    assert find_address_clusters(frame(rows), known=[]) == []


def test_household_with_two_surnames_and_typos_is_one_family() -> None:
    # Spouses keep their own surnames; a typo ("Rau") sits on the same registration.
    rows = []
    for i, (a, b) in enumerate([("Ray", "Bhatia"), ("Rau", "Bhatia"), ("Ray", "Bhatip")] * 3):
        rows.append(row(f"H{i}", 0, given_names="Raj", family_names=a, address_line1="9 Elm St"))
        rows.append(row(f"H{i}", 1, given_names="Priya", family_names=b, address_line1="9 Elm St"))
    assert find_address_clusters(frame(rows), known=[]) == []


def test_known_shelter_is_reported_apart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    listed = tmp_path / "shelters.csv"
    listed.write_text(
        "shelter_id,kind,name,address_line1,address_line2,city,state,zip_code\n"
        "S1,shelter,Casa Refugio,35 Forest St,,Houston,TX,77099\n"
    )
    writings = ["35 Forest Street", "35 FOREST ST", "35 forest", "35 Forest St Room 12"]
    rows = [
        row(
            f"S{i}",
            given_names=f"G{i}",
            family_names=surname(i),
            address_line1=writings[i % 4],
            zip_code=None if i % 3 else "77099",
        )
        for i in range(30)
    ]
    findings = find_address_clusters(frame(rows), known=load_known_addresses(listed))
    assert [f.kind for f in findings] == [KNOWN_ADDRESS]
    assert not findings[0].flagged
    assert findings[0].evidence["persons"] == 30
    assert findings[0].explanation_codes == (
        "explain.known_address.shelter",
        "explain.known_address.by_design",
    )
    assert findings[0].explanation[0].params["known_name"] == "Casa Refugio"
    assert findings[0].explanation[0].params["persons"] == 30


def test_default_known_list_loads() -> None:
    packaged = resources.files("puerta.trends").joinpath("data/known_addresses.csv").read_text()
    known = load_known_addresses()
    assert len(known) == len(list(csv.DictReader(packaged.splitlines()))) > 0
    assert known[0] == KnownAddress(
        kind="shelter", name="Welcome Center Austin", street="853 KENNEDY WAY", unit="",
        city="AUSTIN", state="TX", zip5="78762",
    )  # fmt: skip
    assert known[2].unit == "1B"
    assert {k.kind for k in known} == {"shelter", "sponsor"}
    assert all(k.name and k.street and k.city and k.state and len(k.zip5) == 5 for k in known)


def test_stable_key_across_runs_and_row_order() -> None:
    rows = _planted()
    first = find_address_clusters(frame(rows), known=[])
    random.Random(3).shuffle(rows)
    second = find_address_clusters(frame(rows), known=[])
    assert [f.key for f in first] == [f.key for f in second]
    assert first[0].travelers == second[0].travelers


def test_ranking_puts_more_unrelated_families_first() -> None:
    big = _planted(16)
    small = [
        {**r, "address_line1": "9 Pine Rd", "address_line2": None} for r in _planted(9, start=100)
    ]
    findings = find_address_clusters(frame(big + small), known=[])
    assert [f.evidence["persons"] for f in findings] == [16, 9]
    assert findings[0].score > findings[1].score


def test_groups_table_has_every_address() -> None:
    analysis = analyse_addresses(frame(_planted(4)), known=[])
    # Four travelers are too few to flag, and the address is in the table all the same.
    assert analysis.findings == []
    assert analysis.groups.select("address_key", "persons", "flagged").rows() == [
        ("123 MAIN ST|4|HOUSTON|TX", 4, False)
    ]


def test_street_written_without_its_type_joins_the_typed_one() -> None:
    # "593 E. River" (type left out) is the shelter at "593 E River Blvd": the name
    # after a directional is never mistaken for a street type.
    rows = [
        row(f"W{i}", address_line1=line, city="Phoenix", state="AZ", zip_code="85014")
        for i, line in enumerate(
            ["593 E River Blvd", "593 East River Boulevard", "593 E. River", "593 E River Bulevard"]
            * 3
        )
    ]
    keys = an.key_addresses(frame(rows))["address_key"].unique().to_list()
    assert keys == ["593 E RIV BLVD||PHOENIX|AZ"]


def test_the_identity_model_compares_addresses_as_the_address_analysis_writes_them() -> None:
    from puerta.trends.identity import identity_features

    one_place = [
        ("123 Main Street", "Apt 4"),
        ("123 MAIN ST #4", None),
        ("123 main st. unit 4", None),
        ("123 Main St Apt4", None),
        ("123  Main   Street", "Apt. 4"),
    ]
    other = [("45 First Avenue", None), ("45 1st Ave", None)]
    lines = one_place + other
    rows = pl.DataFrame(
        {
            "registration_id": [f"R{i}" for i in range(len(lines))],
            "given_names": [f"Given{chr(65 + i)}" for i in range(len(lines))],
            "family_names": ["Lopez"] * len(lines),
            "date_of_birth": ["1990-01-02"] * len(lines),
            "address_line1": [a for a, _ in lines],
            "address_line2": [b for _, b in lines],
        }
    )
    _, features = identity_features(rows)
    by_given = dict(zip(features["given_norm"], features["address"], strict=True))
    written = [by_given[f"given{chr(97 + i)}"] for i in range(len(lines))]
    assert set(written[: len(one_place)]) == {"123 main st 4"}
    assert set(written[len(one_place) :]) == {"45 1st ave"}
    for (line1, line2), key in zip(lines, written, strict=True):
        street, unit, _ = an.normalise_street(f"{line1} {line2 or ''}")
        assert key == f"{street} {unit}".strip().lower()


def _people(prefix: str, n: int, line1: str, line2: str | None, *, days: float) -> list[dict]:
    """``n`` unrelated people (one each, own surname) giving one address,
    registering ``days`` apart, over all eight ports."""
    return [
        row(
            f"{prefix}{i}",
            given_names=f"Given{chr(65 + i % 26)}{i}",
            family_names=f"{surname(i)}{'abcdefghijklmnopqrstuvwxyz'[i // 26 % 26]}x{i}",
            address_line1=line1,
            address_line2=line2,
            created_at=T0 + minutes(days * 1440 * i),
            appointment_port=PORTS[i % len(PORTS)],
        )
        for i in range(n)
    ]


def _flagged_lines(rows: list[dict], **kw) -> list[str]:  # type: ignore[no-untyped-def]
    findings = find_address_clusters(frame(rows), known=[], **kw)
    return [f.evidence["address"].split(",")[0] for f in findings if f.flagged]


def test_friends_sharing_a_flat_are_not_flagged_and_a_house_of_sixty_is() -> None:
    # Ten unrelated friends who came together rent one flat: they registered in
    # a few days. Sixty unrelated people at one house kept coming for months.
    friends = _people("F", 10, "40 Elm St", "Apt 3", days=0.3)
    six = _people("S", 6, "41 Elm St", "Apt 9", days=1.0)
    house = _people("H", 60, "7 Oak Rd", None, days=3.5)
    assert _flagged_lines(friends + six + house) == ["7 OAK RD"]


def test_shelter_without_the_list_does_not_outrank_a_planted_house() -> None:
    # No known-address list: the shelter is known only by how it is written.
    shelter = _people("C", 120, "Casa del Migrante", None, days=1.5)
    for i, r in enumerate(shelter):
        r["address_line1"], r["address_line2"] = "35 Forest St", f"Room {i % 9 + 1}"
    named = _people("N", 40, "Casa del Migrante San Jose", None, days=4)
    for r in named:
        r["address_line2"] = r["address_line1"]
        r["address_line1"] = "90 Pine Ave"
    house = _people("H", 30, "7 Oak Rd", None, days=6)
    assert _flagged_lines(shelter + named + house) == ["7 OAK RD"]
    analysis = analyse_addresses(frame(shelter + named + house), known=[])
    types = dict(analysis.groups.select("street", "place_type").unique().iter_rows())
    assert types.pop("7 OAK RD") == "house"
    assert sorted(types.values()) == ["institution", "institution"]  # the rooms, the named house


def _background(shared: bool) -> list[dict]:
    """Flats of the data set: one household each, or shared by 1..9 unrelated
    households that came one by one (25 flats of each size)."""
    rows: list[dict] = []
    sizes = range(1, 10) if shared else [1]
    count = 25 if shared else 225
    for k in sizes:
        for j in range(count):
            rows += _people(f"B{k}-{j}-", k, f"{100 + j} Maple St", f"Apt {k}", days=9)
    return rows


def test_the_same_flat_is_surprising_only_where_shared_flats_are_rare() -> None:
    # Eight unrelated households who came one by one to one flat.
    flat = _people("X", 8, "5 Birch Ln", "Apt 2", days=9)
    assert _flagged_lines(_background(shared=False) + flat) == ["5 BIRCH LN #2"]
    assert _flagged_lines(_background(shared=True) + flat) == []


def test_many_friend_flats_make_their_size_plausible_and_people_still_count() -> None:
    # A city where 30 flats are shared by 6 to 9 unrelated people who came one by
    # one (fewer flats the more people): another flat of 9 is one of them.
    # Sixteen families of four (64 people) at one flat are beyond them in
    # households and in people.
    rows = _background(shared=True)[: sum(k * 25 for k in range(1, 6))]  # flats of 1..5
    sizes = [6] * 14 + [7] * 9 + [8] * 5 + [9] * 2
    for j, size in enumerate(sizes):
        rows += _people(f"Q{j}-", size, f"{300 + j} Cedar St", "Apt 1", days=9)
    rows += _people("N", 9, "8 Ash St", "Apt 5", days=9)
    big = _people("G", 16, "9 Ash St", "Apt 6", days=9)
    for fam in big[:]:
        big += [
            {**fam, "traveler_index": p, "is_owner": False, "given_names": f"Kid{p}"}
            for p in (1, 2, 3)
        ]
    assert _flagged_lines(rows + big) == ["9 ASH ST #6"]


def test_a_flat_whose_households_nearly_all_won_the_draw_is_surprising() -> None:
    # The draw is random and never sees an address: one registration in ten
    # holds an appointment here. Among 30 friend flats of 6 to 9 households,
    # a flat of 9 whose households all won is unlikely by chance; a flat of 9
    # that won like everyone else is one of the friends' flats.
    rows = _background(shared=True)[: sum(k * 25 for k in range(1, 6))]
    sizes = [6] * 14 + [7] * 9 + [8] * 5 + [9] * 2
    for j, size in enumerate(sizes):
        rows += _people(f"Q{j}-", size, f"{300 + j} Cedar St", "Apt 1", days=9)
    for i, r in enumerate(rows):
        r["appointment_port"] = PORTS[i % 8] if i % 10 == 0 else None
    won = _people("W", 9, "8 Ash St", "Apt 5", days=9)
    like_others = _people("L", 9, "9 Ash St", "Apt 6", days=9)
    for i, r in enumerate(like_others):
        r["appointment_port"] = "SYS" if i == 0 else None
    assert _flagged_lines(rows + won + like_others) == ["8 ASH ST #5"]
