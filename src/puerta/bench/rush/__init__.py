"""The rush (issue 10): ``python -m puerta.bench.rush`` -- see :mod:`puerta.bench.rush.harness`."""

from puerta.bench.rush.harness import main

__all__ = ["main"]
