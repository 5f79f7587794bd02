"""The targets table: a figure below its bound is missed, a missing one is not measured."""

from __future__ import annotations

from puerta.trends import targets


def _metrics(**overrides: float) -> dict:
    metrics = {
        "identity": {
            "synthetic": {
                "same_person": {"precision": 0.9995, "recall": 0.98},
                "with_possible": {"recall": 0.995},
            },
            "febrl3": {"f1": 0.9992},
            "febrl4": {"f1": 0.9994},
        },
        "patterns": {
            "addresses": {"all_found_in_top": True, "precision_top20": 1.0, "flagged_known": 0},
            "rings": {"precision": 0.95, "recall": 0.99},
            "bursts": {"precision": 1.0, "recall": 0.99},
        },
        "analysis": {"seconds": 120.0, "peak_rss_mb": 2000},
    }
    for dotted, value in overrides.items():
        node = metrics
        *head, last = dotted.split("__")
        for part in head:
            node = node[part]
        node[last] = value
    return metrics


def test_every_target_met_when_the_figures_hold() -> None:
    rows = targets.check(_metrics())
    assert [r.status for r in rows] == ["met"] * len(targets.TARGETS)
    assert targets.all_met(rows)
    assert targets.report(rows).endswith("the targets are met")


def test_a_figure_below_its_bound_is_missed() -> None:
    rows = targets.check(_metrics(identity__synthetic__same_person__precision=0.998))
    missed = [r.target.name for r in rows if r.status == "missed"]
    assert missed == ["same person: precision"]
    assert not targets.all_met(rows)
    assert "1 missed" in targets.report(rows)


def test_an_upper_bound_is_missed_above_it() -> None:
    rows = targets.check(_metrics(patterns__addresses__flagged_known=1, analysis__seconds=601))
    assert {r.target.name for r in rows if r.status == "missed"} == {
        "addresses: listed shelters flagged",
        "whole analysis: seconds",
    }


def test_a_false_flag_fails_a_boolean_target() -> None:
    rows = targets.check(_metrics(patterns__addresses__all_found_in_top=False))
    assert [r.target.name for r in rows if r.status == "missed"] == [
        "addresses: every planted one in the top 10"
    ]


def test_what_was_not_measured_is_said_and_does_not_fail() -> None:
    rows = targets.check({"identity": {"febrl3": {"f1": 0.9999}}})
    assert sum(r.status == "met" for r in rows) == 1
    assert targets.all_met(rows)
    assert "not measured" in targets.report(rows)
