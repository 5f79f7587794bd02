"""Shared-contact rings, connected components, and the family / twin traps."""

from __future__ import annotations

from datetime import date

import numpy as np

from puerta.findings.value import SHARED_CONTACT_RING
from puerta.trends.components import connected_components
from puerta.trends.rings import RingConfig, find_rings, inclusion_share
from tests.trends.frames import frame, row, surname


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
