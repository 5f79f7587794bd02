"""A small data set, generated once per test session (scale 0.01: ~28,000 rows, a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from puerta.synth import generate

SCALE = 0.01
SEED = 7


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate("oig-2023", SCALE, SEED, out)
    return out
