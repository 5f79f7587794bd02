"""A duplicate person's variations side by side: what each registration wrote, and where
it differs.

Pure: the caller gives one column per traveler (field -> value as written) and the
fields in the order to show them; each cell says whether it differs from the value
most columns agree on (the first column's, on a tie). The page highlights a
differing cell with a mark and words, not with colour alone.

Example:
    >>> rows = side_by_side(
    ...     [{"name": "Ana", "born": "1990-03-07"}, {"name": "Anna", "born": "1990-03-07"}],
    ...     ["name", "born"],
    ... )
    >>> [(field, [c.differs for c in cells]) for field, cells in rows]
    [('name', [False, True]), ('born', [False, False])]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    text: str
    differs: bool


def _key(value: str | None) -> str:
    """Compared as a reader would: case and spacing do not make a difference."""
    return " ".join((value or "").split()).casefold()


def side_by_side(
    columns: Sequence[Mapping[str, str | None]], fields: Sequence[str]
) -> list[tuple[str, list[Cell]]]:
    """One row per field: each column's value, and whether it differs from the usual one."""
    rows = []
    for field in fields:
        values = [c.get(field) for c in columns]
        counts = Counter(_key(v) for v in values)
        first = _key(values[0]) if values else ""
        usual = max(counts, key=lambda k: (counts[k], k == first)) if counts else ""
        rows.append((field, [Cell(text=v or "", differs=_key(v) != usual) for v in values]))
    return rows
