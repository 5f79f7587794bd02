"""The trend analysis's quality targets, checked against ``puerta trends evaluate``'s metrics.

Why a table of its own: the targets (issue #13, BENCHMARKS.md) are the promise
the analysis makes to the ports, and a figure that quietly slips below one
must be seen. Each :class:`Target` names where its figure sits in the
metrics dict, the bound, and what it means; :func:`check` reads them all and
:func:`report` prints them as a short table. A figure that was not measured
(no synthetic data given, FEBRL skipped) is shown as such and counts as
neither met nor missed.

Example:
    >>> rows = check({"identity": {"febrl3": {"f1": 0.9995}}})
    >>> [(r.target.name, r.status) for r in rows if r.target.name.startswith("FEBRL3")]
    [('FEBRL3 F1', 'met')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["met", "missed", "not measured"]


@dataclass(frozen=True)
class Target:
    """One promise: the figure at ``path`` compared with ``bound``."""

    name: str
    path: tuple[str, ...]
    bound: float
    at_least: bool = True
    why: str = ""


TARGETS: tuple[Target, ...] = (
    Target(
        "same person: precision",
        ("identity", "synthetic", "same_person", "precision"),
        0.999,
        why="the draw merges tickets on these links: a wrong merge costs a real person a ticket",
    ),
    Target(
        "same person: recall",
        ("identity", "synthetic", "same_person", "recall"),
        0.97,
    ),
    Target(
        "same or possibly: recall",
        ("identity", "synthetic", "with_possible", "recall"),
        0.99,
        why="what an analyst reviewing both levels gets to see",
    ),
    Target(
        "addresses: every planted one in the top 10",
        ("patterns", "addresses", "all_found_in_top"),
        1,
    ),
    Target(
        "addresses: precision in the top 20",
        ("patterns", "addresses", "precision_top20"),
        0.9,
        why="the officer's list is short and right",
    ),
    Target(
        "addresses: listed shelters flagged",
        ("patterns", "addresses", "flagged_known"),
        0,
        at_least=False,
    ),
    Target("rings: precision", ("patterns", "rings", "precision"), 0.9),
    Target("rings: recall", ("patterns", "rings", "recall"), 0.95),
    Target("bursts: precision", ("patterns", "bursts", "precision"), 0.95),
    Target("bursts: recall", ("patterns", "bursts", "recall"), 0.95),
    Target("FEBRL3 F1", ("identity", "febrl3", "f1"), 0.999),
    Target("FEBRL4 F1", ("identity", "febrl4", "f1"), 0.999),
    Target(
        "whole analysis: seconds",
        ("analysis", "seconds"),
        600,
        at_least=False,
        why="the issue's bound is for scale 1.0 on a 2-core machine",
    ),
    Target("whole analysis: peak memory (MB)", ("analysis", "peak_rss_mb"), 8192, at_least=False),
)


@dataclass(frozen=True)
class Checked:
    """A target with the figure found and whether it holds."""

    target: Target
    value: float | None
    status: Status


def _dig(metrics: dict[str, Any], path: Sequence[str]) -> Any:
    node: Any = metrics
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def check(metrics: dict[str, Any], targets: Iterable[Target] = TARGETS) -> list[Checked]:
    """Each target against the metrics (``puerta trends evaluate``'s JSON)."""
    out = []
    for target in targets:
        raw = _dig(metrics, target.path)
        if raw is None:
            out.append(Checked(target, None, "not measured"))
            continue
        value = float(raw)
        held = value >= target.bound if target.at_least else value <= target.bound
        out.append(Checked(target, value, "met" if held else "missed"))
    return out


def all_met(rows: Iterable[Checked]) -> bool:
    """No target missed (figures not measured do not count)."""
    return all(r.status != "missed" for r in rows)


def _figure(value: float | None) -> str:
    if value is None:
        return "-"
    if value == int(value) and abs(value) >= 1:
        return f"{value:.0f}"
    # Six decimals: a precision of 0.999992 must not read as 1.0000.
    return f"{value:.6f}" if abs(value) < 1 else f"{value:.1f}"


def report(rows: Sequence[Checked]) -> str:
    """The targets as a plain table, one line each, and a last line that sums them up.

    Example:
        >>> text = report(check({"patterns": {"rings": {"precision": 0.5}}}))
        >>> [line.split()[-1] for line in text.splitlines() if "rings: precision" in line]
        ['missed']
    """
    width = max(len(r.target.name) for r in rows)
    lines = [f"{'target':<{width}}  {'figure':>9}  {'bound':<9} result"]
    for r in rows:
        sign = ">=" if r.target.at_least else "<="
        figure = _figure(r.value)
        lines.append(
            f"{r.target.name:<{width}}  {figure:>9}  {sign} {r.target.bound:<6g} {r.status}"
        )
    met = sum(r.status == "met" for r in rows)
    missed = sum(r.status == "missed" for r in rows)
    lines.append(
        f"{met} met, {missed} missed, {len(rows) - met - missed} not measured"
        + ("" if missed else ": the targets are met")
    )
    return "\n".join(lines)
