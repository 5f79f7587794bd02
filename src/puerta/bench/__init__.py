"""Benchmarks: ``python -m puerta.bench.<name>``."""
