"""Shared-contact rings, connected components, and the family / twin traps."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from puerta.findings.value import REGISTRATION_BURST, SHARED_CONTACT_RING, SHARED_SERVICE_CONTACT
from puerta.trends import job
from puerta.trends.components import connected_components
from puerta.trends.known_contacts import parse_known_contacts
from puerta.trends.rings import RingConfig, find_rings, inclusion_share
from tests.trends.frames import T0, frame, row, service_population, surname


def _households(n: int, **shared: str) -> list[dict]:
    """n unrelated households of two, the owner row carrying ``shared`` values."""
    rows = []
    for h in range(n):
        rows.append(
            row(
                f"R{h}",
                0,
                given_names=f"Owner{h}",
                family_names=surname(h),
                phone=f"+52155500{h:02d}",
                email=f"own{h}@mail.com",
                **shared,
            )
        )
        rows.append(row(f"R{h}", 1, given_names=f"Kid{h}", family_names=surname(h)))
    return rows


def test_ring_of_unrelated_households_on_one_phone() -> None:
    rows = _households(6)
    for r in rows:
        if r["traveler_index"] == 0:
            r["phone"] = "+52 1 555 123 4567"
    findings = find_rings(frame(rows))
    assert len(findings) == 1
    f = findings[0]
    assert f.kind == SHARED_CONTACT_RING
    assert f.registration_ids == tuple(f"R{h}" for h in range(6))
    assert f.evidence["apparent_families"] == 6
    assert "phone:+525551234567" in f.normalised_keys
    assert f.explanation_codes == (
        "explain.shared_contact_ring.tied",
        "explain.shared_contact_ring.top_phone",
    )
    tied, top = f.explanation
    assert tied.params == {
        "registrations": 6,
        "persons": 12,
        "families": 6,
        "links": [{"link": "phone", "count": 1}],
    }
    assert top.params == {"value": "+525551234567", "count": 6}
    assert len(f.travelers) == 12


def test_ring_on_one_device() -> None:
    findings = find_rings(frame(_households(4, device_id="fixer-phone")))
    assert [len(f.registration_ids) for f in findings] == [4]


def test_chain_of_different_links_is_one_ring() -> None:
    rows = _households(4)
    rows[0]["phone"] = rows[2]["phone"] = "+5215550000"  # R0 - R1 by phone
    rows[2]["device_id"] = rows[4]["device_id"] = "shared-device"  # R1 - R2 by device
    rows[4]["email"] = rows[6]["email"] = "tramites.x@gmail.com"  # R2 - R3 by e-mail
    findings = find_rings(frame(rows))
    assert len(findings) == 1
    assert findings[0].registration_ids == ("R0", "R1", "R2", "R3")
    assert findings[0].evidence["shared_values"]


def test_one_family_registering_many_times_is_not_a_ring() -> None:
    spellings = ["Harutyunyan", "Arutyunyan", "HARUTYUNYAN", "Harutunyan", "Harutyunian"]
    rows = [
        row(
            f"D{i}",
            given_names="Aram",
            family_names=spellings[i % 5],
            phone="+37499000001",
            device_id="family-phone",
        )
        for i in range(10)
    ]
    assert find_rings(frame(rows)) == []


def test_twins_sharing_a_phone_are_not_a_ring() -> None:
    rows = [
        row(
            f"T{i}",
            given_names=name,
            family_names="Pierre",
            date_of_birth=date(2001, 3, 4),
            phone="+50937000000",
        )
        for i, name in enumerate(["Jean", "Jeanne", "Marc"])
    ]
    assert find_rings(frame(rows)) == []


def test_household_with_two_surnames_is_not_a_ring() -> None:
    rows = []
    for i in range(5):
        rows.append(
            row(
                f"H{i}",
                0,
                given_names="Raj",
                family_names=["Ray", "Rau"][i % 2],
                phone="+5215550101",
            )
        )
        rows.append(row(f"H{i}", 1, given_names="Priya", family_names="Bhatia"))
    assert find_rings(frame(rows)) == []


def test_listed_contact_is_ignored() -> None:
    rows = _households(6)
    for r in rows:
        if r["traveler_index"] == 0:
            r["phone"] = "+15125550000"  # a shelter's front desk
    config = RingConfig(ignore_values=frozenset({"+15125550000"}))
    assert find_rings(frame(rows), config) == []


def test_group_inclusion_is_not_mistaken_for_a_ring() -> None:
    # Three households each register all six people (the coalition trick), from
    # one helper's device. People on one registration travel together, so they
    # count as one apparent family: duplicates, for identity resolution, not a ring.
    people = [(f"G{h}{k}", surname(h), f"+5215557{h}{k}00") for h in range(3) for k in range(2)]
    rows = []
    for h in range(3):
        mine = [p for p in people if p[0].startswith(f"G{h}")]
        others = [p for p in people if not p[0].startswith(f"G{h}")]
        for pos, (given, fam, phone) in enumerate(mine + others):
            rows.append(row(f"C{h}", pos, given_names=given, family_names=fam, phone=phone))
    shared_phone = "+5215559999"
    for r in rows:
        if r["traveler_index"] == 0:
            r["device_id"] = "helper-device"
    rows[0]["phone"] = shared_phone
    assert find_rings(frame(rows)) == []


def test_inclusion_share_tells_coalitions_from_rings() -> None:
    coalition = frame(
        [
            row("C1", 0, given_names="A", family_names="Kim"),
            row("C1", 1, given_names="B", family_names="Lopez"),
            row("C2", 0, given_names="B", family_names="Lopez"),
            row("C2", 1, given_names="A", family_names="Kim"),
        ]
    )
    ring = frame([row(f"R{i}", given_names=f"G{i}", family_names=surname(i)) for i in range(3)])
    assert inclusion_share(coalition) == 1.0
    assert inclusion_share(ring) == 0.0


def test_connected_components_match_brute_force() -> None:
    rng = np.random.default_rng(7)
    n = 300
    a = rng.integers(0, n, 200)
    b = rng.integers(0, n, 200)
    labels = connected_components(n, a, b)
    # Brute force: repeated relaxation to a fixed point.
    ref = list(range(n))
    changed = True
    while changed:
        changed = False
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            m = min(ref[x], ref[y])
            if ref[x] != m or ref[y] != m:
                ref[x] = ref[y] = m
                changed = True
    assert labels.tolist() == ref


def test_components_of_a_long_chain() -> None:
    n = 10_000
    labels = connected_components(n, np.arange(n - 1), np.arange(1, n))
    assert set(labels.tolist()) == {0}


def test_aid_organisation_phone_is_a_shared_service_contact_not_a_ring() -> None:
    """40 unrelated households over 6 ports on one phone, beside ordinary small rings."""
    findings = find_rings(frame(service_population()))
    rings = [f for f in findings if f.kind == SHARED_CONTACT_RING]
    (service,) = [f for f in findings if f.kind == SHARED_SERVICE_CONTACT]
    assert not any(r.startswith("AID") for f in rings for r in f.registration_ids)
    assert len(rings) == 8  # the small rings are still rings
    assert service.registration_ids == tuple(sorted(f"AID{h}" for h in range(40)))
    assert not service.flagged
    assert 36 <= service.evidence["apparent_families"] <= 40  # fuzzy surnames
    assert service.evidence["ports"] == 6
    assert service.evidence["listed"] is False
    assert service.evidence["families_fence"] < 40
    assert service.explanation_codes == (
        "explain.shared_service_contact.phone",
        "explain.shared_service_contact.classify",
    )


def test_a_shared_contact_on_one_port_is_still_a_ring() -> None:
    """Far out in families but all going to one port: not the many-ports pattern of a service."""
    findings = find_rings(frame(service_population(ports=("SYS",))))
    assert not [f for f in findings if f.kind == SHARED_SERVICE_CONTACT]
    assert any(len(f.registration_ids) == 40 for f in findings)


def test_a_listed_contact_never_forms_a_ring() -> None:
    rows = _households(6)
    for r in rows:
        if r["traveler_index"] == 0:
            r["phone"] = "52 1 664 555 0000"  # a shelter's front desk, written as on forms
    known = parse_known_contacts("kind,value,label\nphone,664 555 0000,Casa Refugio\n")
    findings = find_rings(frame(rows), RingConfig(known=known))
    assert [f.kind for f in findings] == [SHARED_SERVICE_CONTACT]
    (listed,) = findings
    assert not listed.flagged
    assert listed.evidence["listed"] is True
    assert listed.evidence["label"] == "Casa Refugio"
    assert listed.registration_ids == tuple(f"R{h}" for h in range(6))
    assert listed.explanation_codes[-1] == "explain.shared_service_contact.listed"


def test_email_variants_fold_into_one_ring() -> None:
    """Dots, +tags and capitals reach one mailbox: one ring, not three values."""
    rows = _households(6)
    variants = ["ana.perez@gmail.com", "anaperez+3@gmail.com", "AnaPerez@gmail.com"]
    for h, r in enumerate(r for r in rows if r["traveler_index"] == 0):
        r["email"] = variants[h % 3]
    (ring,) = find_rings(frame(rows))
    assert ring.registration_ids == tuple(f"R{h}" for h in range(6))
    assert ring.normalised_keys == ("email:anaperez@gmail.com",)


def test_a_burst_on_rotating_devices_is_not_also_a_ring() -> None:
    """A bot registering 12 strangers in seconds, rotating over three devices."""
    rows = []
    for i in range(12):
        rows.append(
            row(
                f"B{i}",
                0,
                given_names=f"Bot{i}",
                family_names=surname(i),
                device_id=f"rot-{i % 3}",
                ip="45.77.10.17",
                created_at=T0 + timedelta(seconds=3 * i),
                form_seconds=6.0,
            )
        )
    data = frame(rows)
    assert len(find_rings(data)) == 3  # the devices alone would tie them into rings
    run = job.analyse(pl.DataFrame(rows, infer_schema_length=None), with_identity=False)
    (burst,) = [f for f in run.findings if f.kind == REGISTRATION_BURST]
    assert len(burst.registration_ids) == 12
    assert not [f for f in run.findings if f.kind == SHARED_CONTACT_RING]
