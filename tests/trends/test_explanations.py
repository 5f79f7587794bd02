"""Every kind of finding explains itself in catalog sentences that render in full.

The analyses return codes and parameters; here each kind is rendered in English
(as the JSON Lines export does) and must read as before, with every
placeholder filled.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl

from puerta.findings import explain as fx
from puerta.findings.value import KINDS, SHARED_SERVICE_CONTACT, Finding
from puerta.trends import identity
from puerta.trends.addresses import find_address_clusters, load_known_addresses
from puerta.trends.bursts import find_bursts
from puerta.trends.faces import Face, face_findings
from puerta.trends.known_contacts import parse_known_contacts
from puerta.trends.location import find_location_signals
from puerta.trends.rings import RingConfig, find_rings
from tests.trends import test_location as located
from tests.trends.frames import T0, frame, minutes, row, service_population, surname

PORTS = ["SYS", "OTM", "CAL", "HID", "LAR", "ELP", "BRO", "NOG"]


def _english(f: Finding) -> str:
    return f.to_dict()["explanation"].replace("\u202f", " ")


def _cluster() -> Finding:
    rows = [
        row(
            f"P{i}",
            given_names=f"Given{i}",
            family_names=surname(i),
            address_line1="123 Main Street",
            address_line2="Apt 4",
            created_at=T0 + minutes(8 * 1440 * i),  # one by one, over months
            appointment_port=PORTS[i % 2],
        )
        for i in range(16)
    ]
    (found,) = find_address_clusters(frame(rows), known=[])
    return found


def _shelter(tmp: Path) -> Finding:
    listed = tmp / "known.csv"
    listed.write_text(
        "shelter_id,kind,name,address_line1,address_line2,city,state,zip_code\n"
        "S1,sponsor,,35 Forest St,,Houston,TX,77002\n"
    )
    rows = [
        row(f"S{i}", given_names=f"G{i}", family_names=surname(i), address_line1="35 Forest St")
        for i in range(8)
    ]
    (found,) = find_address_clusters(frame(rows), known=load_known_addresses(listed))
    return found


def _burst() -> Finding:
    rows = [
        row(
            f"B{i}",
            device_id="bot-device",
            form_seconds=6.0,
            created_at=T0 + timedelta(seconds=3 * i),
        )
        for i in range(5)
    ]
    (found,) = find_bursts(frame(rows))
    return found


def _ring() -> Finding:
    rows = []
    for h in range(4):
        rows.append(row(f"R{h}", 0, family_names=surname(h), phone="+52 1 555 123 4567"))
        rows.append(row(f"R{h}", 1, given_names=f"Kid{h}", family_names=surname(h)))
    (found,) = find_rings(frame(rows))
    return found


def _services() -> list[Finding]:
    """An aid organisation's phone on 40 households over 6 ports, and a listed e-mail."""
    rows = service_population()
    for r in rows[:6:2]:
        r["email"] = "ayuda@casa.org"
    known = parse_known_contacts("kind,value,label\nemail,Ayuda@casa.org,Casa\n")
    found = find_rings(frame(rows), RingConfig(known=known))
    return [f for f in found if f.kind == SHARED_SERVICE_CONTACT]


def _duplicate() -> Finding:
    rows = pl.DataFrame(
        {
            "registration_id": ["R1", "R2", "R3"],
            "traveler_index": [0, 0, 0],
            "uid": [0, 1, 2],
            "person_id": ["p1"] * 3,
            "exact_key_id": [1, 2, 3],
        }
    )
    persons = pl.DataFrame(
        {
            "person_id": ["p1"],
            "n_rows": [3],
            "n_registrations": [3],
            "registration_ids": [["R1", "R2", "R3"]],
            "name_variants": [["Aleksandr Harutyunyan", "Alexander Arutyunyan"]],
            "dob_variants": [["19900307", "19900703"]],
            "n_exact_keys": [3],
            "min_link_probability": [0.9534],
        }
    )
    result = identity.IdentityResult(rows, pl.DataFrame(), persons, {})
    (found,) = identity.duplicate_person_findings(result)
    return found


def _locations() -> list[Finding]:
    """One finding of each location kind."""
    at, r = located.T0, located.reading
    rows = [
        r("L1", located.TIJUANA, at),
        r("L1", located.MATAMOROS, at + timedelta(hours=3), "confirmation"),
        r("L2", located.TIJUANA, at, device="D9"),
        r("L3", located.MONTERREY, at + timedelta(minutes=5), device="D9"),
        *(r(f"S{i}", (31.72039, -106.46081), at) for i in range(4)),
        r("Z1", (23.0, -102.0), at, accuracy=0.0),
        r("Z1", (25.67, -100.31), at + timedelta(days=1)),
    ]
    rids = ["L1", "L2", "L3", "S0", "S1", "S2", "S3", "Z1"]
    return find_location_signals(located.frame(*rids), located.readings(rows))


def _possible_duplicate() -> Finding:
    """Two registrations alike in name and birth date only (``trends.identity``)."""
    rows = pl.DataFrame(
        {
            "registration_id": ["R1", "R2"],
            "traveler_index": [0, 0],
            "uid": [0, 1],
            "person_id": ["P1", "P2"],
            "possible_id": ["Q1", "Q1"],
            "exact_key_id": [1, 1],
        }
    )
    possible = pl.DataFrame(
        {
            "possible_id": ["Q1"],
            "n_persons": [2],
            "person_ids": [["P1", "P2"]],
            "n_registrations": [2],
            "registration_ids": [["R1", "R2"]],
            "name_variants": [["Nairi Ghukasyan"]],
            "dob_variants": [["19920914"]],
            "max_link_probability": [0.97],
            "any_corroborated": [False],
        }
    )
    result = identity.IdentityResult(rows, pl.DataFrame(), pl.DataFrame(), {}, {}, possible)
    (found,) = identity.possible_duplicate_person_findings(result)
    return found


def _same_face() -> Finding:
    """Two registrations' photos the face model calls one face (``trends.faces``)."""
    a = Face("R1", 0, "photo-1", (0.0,) * 128)
    b = Face("R2", 0, "photo-2", (0.1,) + (0.0,) * 127)
    [found] = face_findings([a, b], [], threshold=0.55)
    return found


def test_each_kind_renders_in_english_with_every_placeholder_filled(tmp_path: Path) -> None:
    findings = [
        _cluster(),
        _shelter(tmp_path),
        _burst(),
        _ring(),
        *_services(),
        _duplicate(),
        _possible_duplicate(),
        *_locations(),
        _same_face(),
    ]
    assert {f.kind for f in findings} == set(KINDS)
    for f in findings:
        text = _english(f)
        assert "{" not in text, text
        assert "}" not in text, text
        assert all(s.message.placeholders <= set(s.params) for s in f.explanation)
        # What the store keeps is what the analysis said: codes and JSON parameters.
        assert fx.render_explanation(f.explanation_json()) == f.to_dict()["explanation"]


def test_english_reads_as_it_did(tmp_path: Path) -> None:
    assert _english(_cluster()) == (
        "16 travelers with 16 different surnames (16 apparent families) gave "
        "123 MAIN ST #4, HOUSTON TX 77002 between May 10, 2023 and Sep 7, 2023. "
        "Appointments at 2 ports (OTM 8 and SYS 8). "
        "An apartment plausibly houses about 2 people. "
        "Unrelated families came to this address in 16 different weeks. "
        "At addresses like this one, more than 2 is rare."
    )
    assert _english(_shelter(tmp_path)) == (
        "Listed sponsor (unnamed): 8 travelers gave 35 FRST ST, HOUSTON TX 77002 "
        "between May 10, 2023 and May 10, 2023. Shared by design, not suspicious."
    )
    assert _english(_burst()) == (
        "5 registrations from one device (bot-device) between 9:00:00 AM UTC and "
        "9:00:12 AM UTC on May 10, 2023, 3 s apart on average. 5 of 5 forms were filled in "
        "under 30 s, faster than a person can. Also linked by one IP range."
    )
    assert _english(_ring()) == (
        "4 registrations of 8 travelers from 4 apparently unrelated families are tied by "
        "one shared phone. One phone (+525551234567) is on 4 registrations."
    )
    discovered, listed = _services()
    assert _english(discovered) == (
        "One phone (+526641002000) is on 40 registrations of 39 different families, going to "
        "6 ports. So many families often use the phone or e-mail of a shelter, a church or "
        "legal aid. This is not a sign of fraud by itself. An analyst should find out whose "
        "contact it is and, if it is shared by design, add it to the list."
    )
    assert _english(listed) == (
        "One e-mail (ayuda@casa.org) is on 3 registrations of 3 different families, going to "
        "3 ports. It is on the list of contacts shared by design (Casa). It is not a sign of "
        "fraud."
    )
    assert _english(_duplicate()) == (
        "One person behind 3 registrations, written 2 ways ('Aleksandr Harutyunyan' and "
        "'Alexander Arutyunyan'). 2 birth dates (Mar 7, 1990 and Jul 3, 1990); weakest link "
        "0.953. The report's exact key (first + last name + date of birth) sees 3 different "
        "people."
    )
