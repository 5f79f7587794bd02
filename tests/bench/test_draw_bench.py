"""The draw benchmark runs end to end on a small pool (its figures live in BENCHMARKS.md)."""

from __future__ import annotations

import pytest

from puerta.bench import draw_bench


def test_small_pool_runs_and_reports(capsys: pytest.CaptureFixture[str]) -> None:
    draw_bench.main(["--requests", "3000", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "pool: 3,000 requests" in out
    assert "best draw" in out


def test_labels_name_every_traveler_of_a_person_seen_twice() -> None:
    _, travelers, labels = draw_bench.synthetic_pool(2_000, seed=3)
    assert labels["traveler_id"].is_unique().all()
    assert labels["identity"].value_counts()["count"].min() >= 2
    assert labels.height < travelers.height
