"""Synthetic population calibrated to DHS OIG-24-48, with planted, known patterns.

Public surface: ``generate(profile, scale, seed, out_dir)`` writes a data set
(docs/data-formats.md) plus ``truth.parquet``; ``report.calibration(dir)``
compares it with the report's figures.
"""

from puerta.synth.generator import generate

__all__ = ["generate"]
