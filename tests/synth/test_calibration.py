"""Each calibrated figure of the report, at scale 0.01, within its stated tolerance."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from puerta.synth import report
from puerta.synth.plan import planted_households
from puerta.synth.profiles import OIG_2023, PORTS, TABLE_2
from tests.synth.conftest import SCALE


@pytest.fixture(scope="module")
def figures(synth_dir: Path) -> dict[str, report.Figure]:
    return {f.name: f for f in report.calibration(synth_dir)}


@pytest.mark.parametrize(
    "name",
    [
        "distinct persons",
        "persons with >= 10 registrations",
        "January language es (%)",
        "January language en (%)",
        "January language ht (%)",
        "January language ru (%)",
        "January language other (%)",
        "January registrants (persons)",
        "persons with an appointment",
        "seats per day, Jan-Feb",
        "seats per day, from Jun 30",
        "ports with appointments",
        "holders sharing an address with another surname (%)",
        "top person's registrations",
        "tenth person's registrations",
        "top ten: share of registrations in June (%)",
        "Table 3 address 1: persons",
        "Table 3 address 2: persons",
        "address 2: distinct surnames per person (%)",
    ],
)
def test_figure_within_tolerance(figures: dict[str, report.Figure], name: str) -> None:
    f = figures[name]
    assert f.ok, f"{name}: generated {f.generated}, expected {f.expected} ± {f.tolerance:.0%}"


def test_table_3_counts_per_port_are_planted_exactly(synth_dir: Path) -> None:
    expected: dict[tuple[int, str], int] = {}
    for hh in planted_households(OIG_2023, SCALE):
        if hh.port is not None:
            expected[(hh.cluster_id, hh.port)] = expected.get((hh.cluster_id, hh.port), 0) + hh.size
    df = report.frames(synth_dir).filter(pl.col("address_cluster_id").is_not_null())
    first = df.filter(pl.col("duplicate_of").is_null())
    got = first.group_by("address_cluster_id", "appointment_port").len()
    # every planted person holds an appointment at the planted port
    holders = (
        df.filter(pl.col("appointment_port").is_not_null())
        .group_by("address_cluster_id", "appointment_port")
        .agg(pl.col("person_id").n_unique().alias("n"))
    )
    seen = {(r["address_cluster_id"], r["appointment_port"]): r["n"] for r in holders.to_dicts()}
    assert seen == expected
    assert got["len"].sum() == sum(expected.values())
    assert {p for _, p in expected} <= set(PORTS)


def test_top_ten_follow_table_2(synth_dir: Path) -> None:
    df = report.frames(synth_dir).filter(pl.col("top_ten").is_not_null())
    per = (
        df.group_by("top_ten").agg(pl.col("registration_id").n_unique().alias("n")).sort("top_ten")
    )
    factor = (SCALE / 0.1) ** 0.5
    want = [sum(max(1, round(n * factor)) for n in months.values()) for _, months in TABLE_2]
    assert per["n"].to_list() == want
