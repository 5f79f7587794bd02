"""Metrics against planted truth: small hand-made truth, and one synthetic data set."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import pytest

from puerta.findings.value import (
    DEVICE_JUMP,
    IMPOSSIBLE_TRAVEL,
    LOCATION_KINDS,
    REGISTRATION_BURST,
    SHARED_CONTACT_RING,
    SHARED_COORDINATES,
    SHARED_SERVICE_CONTACT,
    Finding,
)
from puerta.trends import evaluate as ev
from puerta.trends.addresses import find_address_clusters
from tests.trends.frames import T0, frame, row, surname


def _finding(kind: str, regs: list[str], **evidence: object) -> Finding:
    return Finding(
        kind=kind,
        key=f"{kind}:{regs[0]}",
        score=1.0,
        explanation=(),
        evidence=dict(evidence),
        registration_ids=tuple(regs),
        travelers=tuple((r, 0) for r in regs),
    )


def _truth(rows: list[tuple[str, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"registration_id": r, "position": 0, "burst_id": b, "ring_id": g, "coalition_id": None}
            for r, b, g in rows
        ],
        schema_overrides={"burst_id": pl.String, "ring_id": pl.String, "coalition_id": pl.String},
    )


def test_precision_recall_edges() -> None:
    assert ev.precision_recall(set(), set())["precision"] == 1.0
    assert ev.precision_recall({"a"}, set())["precision"] == 0.0
    assert ev.precision_recall(set(), {"a"})["recall"] == 0.0


def test_burst_metrics() -> None:
    truth = _truth([("R1", "B1", None), ("R2", "B1", None), ("R3", "B2", None), ("R4", None, None)])
    findings = [_finding(REGISTRATION_BURST, ["R1", "R2", "R4"])]
    out = ev.evaluate_bursts(findings, truth)
    assert out["recall"] == round(2 / 3, 3)
    assert out["precision"] == round(2 / 3, 3)
    assert out["groups_mostly_found"] == 0.5


def test_ring_metrics_leave_group_inclusion_apart() -> None:
    truth = _truth([("R1", None, "G1"), ("R2", None, "G1"), ("R3", None, None)])
    findings = [
        _finding(SHARED_CONTACT_RING, ["R1", "R2"], pattern="shared_contact"),
        _finding(SHARED_CONTACT_RING, ["R3"], pattern="group_inclusion"),
    ]
    out = ev.evaluate_rings(findings, truth)
    assert out["precision"] == 1.0
    assert out["recall"] == 1.0
    assert out["all_components"]["precision"] == round(2 / 3, 3)


def test_service_contacts_are_scored_against_the_planted_aid_contacts() -> None:
    truth = _truth([("R1", None, None), ("R2", None, None), ("R3", None, "G1"), ("R4", None, None)])
    truth = truth.with_columns(
        service_contact_id=pl.Series(["S1", "S1", None, "S1"], dtype=pl.String)
    )
    service = replace(_finding(SHARED_SERVICE_CONTACT, ["R1", "R2"], listed=False), flagged=False)
    listed = replace(_finding(SHARED_SERVICE_CONTACT, ["R4"], listed=True), flagged=False)
    ring = _finding(SHARED_CONTACT_RING, ["R3", "R4"], pattern="shared_contact")
    out = ev.evaluate_service_contacts([service, listed, ring], truth)
    assert out["truth_column"] == "service_contact_id"
    assert (out["precision"], out["recall"]) == (1.0, 1.0)
    assert out["found_by_rule"]["recall"] == 1.0  # R4 is listed: not the rule's to find
    assert out["listed"] == 1
    assert out["in_rings"] == 1  # R4: planted as an aid contact's, held by a ring
    assert (
        ev.evaluate_service_contacts([service], truth.drop("service_contact_id"))["truth_column"]
        is None
    )


def test_address_metrics_on_hand_made_truth() -> None:
    rows, truth = [], []
    ports = ["SYS", "BRO", "HID"]
    for i in range(12):
        rows.append(
            row(
                f"P{i}",
                given_names=f"G{i}",
                family_names=surname(i),
                address_line1="4 Planted Way",
                appointment_port=ports[i % 3],
                created_at=T0 + timedelta(days=8 * i),
            )
        )
        truth.append((f"P{i}", f"person{i}", "planted", 1))
    for i in range(20):
        rows.append(
            row(
                f"S{i}",
                given_names=f"H{i}",
                family_names=surname(i + 3),
                address_line1="35 Forest St",
                zip_code="77099",
                created_at=T0 + timedelta(days=5 * i),
            )
        )
        truth.append((f"S{i}", f"sheltered{i}", "shelter", None))
    truth_df = pl.DataFrame(
        [
            {
                "registration_id": r,
                "position": 0,
                "person_id": p,
                "address_kind": k,
                "address_cluster_id": c,
            }
            for r, p, k, c in truth
        ],
        schema_overrides={"address_cluster_id": pl.Int8},
    )
    data = frame(rows)
    findings = find_address_clusters(data, known=[])  # shelter not listed: flagged
    out = ev.evaluate_addresses(findings, truth_df, data)
    assert out["found"] == 1
    assert out["per_address"][1]["ports_match"]
    assert out["flagged_known"] == 1
    assert not out["all_found_in_top"] or out["worst_rank"] <= 2


def test_address_precision_counts_each_planted_address_once_and_friends_apart() -> None:
    from puerta.findings.value import ADDRESS_CLUSTER

    truth = pl.DataFrame(
        {
            "registration_id": ["A1", "A2", "A3", "A4", "B1", "B2", "F1", "F2", "X1"],
            "position": [0] * 9,
            "person_id": [f"p{i}" for i in range(9)],
            "address_kind": ["planted"] * 6 + ["friends", "friends", "private"],
            "address_cluster_id": [1, 1, 1, 1, 2, 2, None, None, None],
        },
        schema_overrides={"address_cluster_id": pl.Int8, "position": pl.Int32},
    )
    data = pl.DataFrame(
        {"registration_id": truth["registration_id"], "position": truth["position"]}
    ).with_columns(appointment_port=pl.lit("SYS"))

    def flagged(regs: list[str]) -> Finding:
        return _finding(ADDRESS_CLUSTER, regs, holders_by_port={}, address=regs[0])

    # Planted address 1 split over two findings (two writings), then address 2,
    # then a friend group's flat and a private home: 2 planted addresses of 5.
    findings = [
        flagged(["A1", "A2"]),
        flagged(["A3", "A4"]),
        flagged(["B1", "B2"]),
        flagged(["F1", "F2"]),
        flagged(["X1"]),
    ]
    out = ev.evaluate_addresses(findings, truth, data)
    assert out["precision_top20"] == 0.4
    assert out["flagged_friends"] == 1
    assert ev.evaluate_addresses([], truth, data)["precision_top20"] is None


@pytest.mark.slow
def test_targets_on_a_small_synthetic_population(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The whole pipeline as ``puerta trends evaluate`` runs it (lists, bursts before rings)."""
    generator = pytest.importorskip("puerta.synth.generator")
    generator.generate("oig-2023", 0.01, seed=3, out_dir=tmp_path)
    metrics = ev.evaluate_dataset(tmp_path)
    bursts, rings = metrics["bursts"], metrics["rings"]
    assert bursts["recall"] >= 0.95
    # No exclusion: the generator plants no unplanted pile-up (it once clamped
    # late registrations onto the period's last second, which is a burst).
    assert bursts["precision"] >= 0.90
    assert rings["recall"] >= 0.95
    # At this scale an unlisted aid organisation's desk serves about ten
    # households, as many as a fixer's ring: nothing in the data tells the two
    # apart, so it is reported as a ring for an analyst to dismiss and list
    # (at scale 0.1 the rule finds them apart: BENCHMARKS.md). Every other
    # ring member must be planted.
    wrong = rings["predicted"] - rings["hits"] - metrics["service_contacts"]["in_rings"]
    assert wrong <= 0.10 * rings["predicted"]
    assert metrics["addresses"]["flagged_known"] == 0
    # Location signals: every planted pattern found by its own kind, nothing else flagged.
    places = metrics["locations"]
    for kind in LOCATION_KINDS:
        assert places[kind]["planted_groups"] >= 3, kind
        assert places[kind]["recall"] >= 0.95, kind
        assert places[kind]["precision"] >= 0.90, kind


def test_location_metrics_score_each_kind_on_its_own_pattern() -> None:
    truth = pl.DataFrame(
        {
            "registration_id": ["R1", "R2", "R3", "R4"],
            "position": [0, 0, 0, 0],
            "location_id": ["A", "B", "B", None],
            "location_pattern": [IMPOSSIBLE_TRAVEL, DEVICE_JUMP, DEVICE_JUMP, None],
        }
    )
    findings = [
        _finding(IMPOSSIBLE_TRAVEL, ["R1"]),
        _finding(DEVICE_JUMP, ["R2", "R4"]),  # R4 planted nothing
        _finding(IMPOSSIBLE_TRAVEL, ["R3"]),  # R3 was a jump, not travel
    ]
    out = ev.evaluate_locations(findings, truth)
    assert (out[IMPOSSIBLE_TRAVEL]["recall"], out[IMPOSSIBLE_TRAVEL]["precision"]) == (1.0, 0.5)
    assert (out[DEVICE_JUMP]["recall"], out[DEVICE_JUMP]["precision"]) == (0.5, 0.5)
    assert out[SHARED_COORDINATES]["actual"] == 0
