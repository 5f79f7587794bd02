"""The identity evaluation's figures on hand-made labellings."""

from __future__ import annotations

import polars as pl

from puerta.trends import evaluate_identity as ev


def test_namesake_merges_count_wrong_pairs_with_one_exact_key() -> None:
    joined = pl.DataFrame(
        {
            "person_id": ["P1", "P1", "P1", "P2", "P3"],
            "true_person": ["a", "a", "b", "c", "d"],
            "exact_key_id": [1, 2, 1, 3, 3],
        }
    )
    found = ev.namesake_merges(joined)
    # (row0,row2) and (row1,row2) are wrong; row0 and row2 share an exact key.
    assert found["wrong_pairs"] == 2
    assert found["wrong_namesake_pairs"] == 1
    # Namesakes in the truth: (a,b) on key 1 and (c,d) on key 3; c and d kept apart.
    assert found["namesake_pairs"] == 2
    assert found["namesake_pairs_kept_apart"] == 1


def test_error_class_recall_counts_pairs_with_either_row_planted() -> None:
    joined = pl.DataFrame(
        {
            "person_id": [1, 1, 2, 3],
            "possible_id": [1, 1, 1, 3],
            "true_person": ["a", "a", "a", "a"],
            "noise": ["", "typo", "one_day_dob,typo", None],
        }
    )
    r = ev.error_class_recall(joined, "noise")
    assert r["one_day_dob"] == {"true_pairs": 3, "same_person": 0.0, "with_possible": 2 / 3}
    assert r["typo"]["true_pairs"] == 5


def test_targets_say_which_are_met() -> None:
    report = {"synthetic": {"same_person": {"precision": 0.9995, "recall": 0.96}}}
    t = ev.targets(report)
    assert t["same_person_precision"]["met"] is True
    assert t["same_person_recall"]["met"] is False
    assert "febrl3_f1" not in t
