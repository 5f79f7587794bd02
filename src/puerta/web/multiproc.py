"""The metrics directory shared by several worker processes.

Kept apart from ``metrics.py`` on purpose: ``prometheus_client`` decides at its
import whether values live in memory or in files under
``PROMETHEUS_MULTIPROC_DIR``, so the variable must be set before anything
imports it (a server that loads the app before forking its workers included).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir(data_dir: Path) -> Path:
    """Empty ``data_dir/metrics`` (a previous run's counts must not carry over) and point
    ``PROMETHEUS_MULTIPROC_DIR`` at it; call once, in the parent, before the workers start."""
    path = (data_dir / "metrics").resolve()
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[ENV] = str(path)
    return path
