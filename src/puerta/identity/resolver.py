"""Resolving a day's travelers to persons, behind a small interface.

Why an interface: the draw needs "which traveler rows are the same human",
nothing more. The default answer, :class:`KeyResolver`, links rows by the
normalised keys of :mod:`puerta.identity.keys`; :class:`LinkedResolver` adds
identities established elsewhere on top of it, which is how the draw takes the
trend analysis's probabilistic (Splink) ones (:mod:`puerta.findings.identities`).
Any other answer implements :class:`PersonResolver` (one method), without the
draw changing.

Speed: a pool of a million requests has about two million traveler rows.
Keys are computed once per *distinct* name (names repeat a lot) and gathered
to rows by NumPy; the partial-key probes run once per distinct full key, and
the linking is one connected-components pass (SciPy) over distinct full keys
(``BENCHMARKS.md`` has the figures).

Example:
    >>> import polars as pl
    >>> from datetime import date
    >>> rows = pl.DataFrame({
    ...     "given_names": ["Aleksandr", "Александр", "Ana"],
    ...     "family_names": ["Harutyunyan", "Арутюнян", "García López"],
    ...     "date_of_birth": [date(1990, 3, 7), date(1990, 7, 3), date(2001, 1, 2)],
    ...     "sex": ["M", "M", "F"]})
    >>> a, b, c = KeyResolver().resolve(rows).tolist()
    >>> a == b != c
    True
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from puerta.identity import keys

#: Columns a resolver reads; ``sex`` is optional (absent = not compared).
TRAVELER_COLUMNS = ("given_names", "family_names", "date_of_birth")


@runtime_checkable
class PersonResolver(Protocol):
    """Anything that says which traveler rows are the same person."""

    def resolve(self, travelers: pl.DataFrame) -> np.ndarray:
        """One person number per row, in row order; equal numbers = same person.

        Args:
            travelers: one row per traveler, with at least
                :data:`TRAVELER_COLUMNS` (``date_of_birth`` a date), optionally
                ``sex``; other columns (``request_id``, ``registration_id``,
                ``traveler_index``...) may be present and are ignored or used
                as the implementation sees fit.

        Returns:
            An ``int64`` array of ``len(travelers)`` person numbers.
        """
        ...


class KeyResolver:
    """The default :class:`PersonResolver`: rows sharing a normalised key are one person.

    Two rows are linked when their full keys are equal, or when one row's
    partial key (one of its two or more family names) equals another row's
    full key (a row that wrote just that family name). Links are transitive.
    Partial keys of two double-surname rows never link them directly:
    ``García López`` and ``García Pérez`` stay two people unless someone
    wrote just ``García`` with the same given names, birth date and sex.
    """

    def resolve(self, travelers: pl.DataFrame) -> np.ndarray:
        if travelers.height == 0:
            return np.zeros(0, dtype=np.int64)
        # Keys become integers: one Python call per distinct name, then NumPy gathers.
        names: dict[str, int] = {}  # family name keys
        given_names: dict[str, int] = {}
        given_codes, given_distinct = _codes(travelers["given_names"])
        given_of = np.array(
            [given_names.setdefault(keys.given_key(g), len(given_names)) for g in given_distinct],
            dtype=np.int64,
        )
        family_codes, family_distinct = _codes(travelers["family_names"])
        fam_full = np.empty(len(family_distinct), dtype=np.int64)
        fam_parts: list[list[int]] = []
        for i, f in enumerate(family_distinct):
            fk = keys.family_keys(f)
            fam_full[i] = names.setdefault(fk.full, len(names))
            fam_parts.append([names.setdefault(p, len(names)) for p in fk.partial])
        # key = (given x n_names + family) << 19 | birth (17 bits: years 1800-2099) << 2 | sex
        n_names = len(names)
        if len(given_names) * n_names >= 1 << 44:
            raise ValueError("too many distinct names for the integer key layout")
        head = given_of[given_codes] * n_names + fam_full[family_codes]
        full = (head << 19) | (_born(travelers["date_of_birth"]) << 2) | _sex(travelers)
        uniq, full_id = group_ids(full, (len(given_names) * n_names).bit_length() + 19)
        src, dst = _partial_links(uniq, fam_parts, fam_full, n_names)
        graph = coo_matrix(
            (np.ones(len(src), dtype=np.int8), (src, dst)), shape=(len(uniq), len(uniq))
        )
        _, labels = connected_components(graph, directed=False)
        return labels[full_id].astype(np.int64)


def group_ids(values: np.ndarray, value_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for non-negative int64 values, faster.

    Why: when a value and its row number fit together in 63 bits, one plain
    sort of the packed pairs (vectorised in NumPy) replaces the much slower
    arg-sort; otherwise this falls back to ``np.unique``.

    Example:
        >>> [a.tolist() for a in group_ids(np.array([5, 3, 5]), 3)]
        [[3, 5], [1, 0, 1]]
    """
    n = len(values)
    row_bits = max(n.bit_length(), 1)
    if value_bits + row_bits > 63:
        uniq, inverse = np.unique(values, return_inverse=True)
        return uniq, inverse.ravel().astype(np.int64)
    packed = (values.astype(np.int64) << row_bits) | np.arange(n, dtype=np.int64)
    packed.sort()
    keys = packed >> row_bits
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    inverse = np.empty(n, dtype=np.int64)
    inverse[packed & ((1 << row_bits) - 1)] = np.cumsum(new) - 1
    return keys[new], inverse


def _codes(column: pl.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's index into the column's sorted distinct values (nulls as empty text)."""
    column = column.fill_null("")
    distinct = column.unique().sort()
    codes = column.cast(pl.Enum(distinct.to_list())).to_physical().to_numpy()
    return codes.astype(np.int64), distinct.to_list()


def _born(dob: pl.Series) -> np.ndarray:
    """Birth date with day and month in ascending order, as one integer (17 bits).

    Computed once per calendar day in the column's range, then gathered:
    birth dates span decades, not millions of values.
    """
    days = dob.cast(pl.Date).to_physical().fill_null(0).to_numpy().astype(np.int64)
    if len(days) == 0:
        return days
    first = int(days.min())
    span = pl.Series(np.arange(first, int(days.max()) + 1, dtype=np.int32)).cast(pl.Date)
    month, day = span.dt.month().to_numpy(), span.dt.day().to_numpy()
    low = np.minimum(month, day).astype(np.int64)
    high = np.maximum(month, day).astype(np.int64)
    year = np.clip(span.dt.year().cast(pl.Int64).to_numpy(), 1800, 2099)
    return (((year - 1800) * 13 + low) * 32 + high)[days - first]


def _sex(travelers: pl.DataFrame) -> np.ndarray:
    if "sex" not in travelers.columns:
        return np.zeros(travelers.height, dtype=np.int64)
    codes, distinct = _codes(travelers["sex"])
    value = {"F": 1, "M": 2, "X": 3}
    return np.array([value.get(d, 0) for d in distinct], dtype=np.int64)[codes]


def _partial_links(
    uniq: np.ndarray, fam_parts: list[list[int]], fam_full: np.ndarray, n_names: int
) -> tuple[np.ndarray, np.ndarray]:
    """Edges from each distinct full key with a multi-part family name to the keys that
    wrote just one of its parts (same given names, birth and sex).

    Why per distinct key, not per row: rows repeat keys; and the probes only
    look among keys whose family name is a single word, a much smaller set.
    """
    width = max((len(p) for p in fam_parts), default=0)
    parts = np.full((n_names, max(width, 1)), -1, dtype=np.int64)
    for i, ps in enumerate(fam_parts):
        parts[fam_full[i], : len(ps)] = ps
    family_of = (uniq >> 19) % n_names
    single = parts[family_of, 0] < 0
    targets = uniq[single]
    if len(targets) == 0 or width == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    target_ids = np.flatnonzero(single)
    multi = np.flatnonzero(~single)
    keep = uniq[multi] - (family_of[multi] << 19)  # the key without its family name
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    for j in range(width):
        part = parts[family_of[multi], j]
        has = part >= 0
        probe = keep[has] + (part[has] << 19)
        pos = np.minimum(np.searchsorted(targets, probe), len(targets) - 1)
        hit = targets[pos] == probe
        src.append(multi[has][hit])
        dst.append(target_ids[pos[hit]])
    return np.concatenate(src), np.concatenate(dst)


class LinkedResolver:
    """A :class:`PersonResolver` that adds identities established elsewhere to another's.

    Why: the trend analysis resolves identities probabilistically across all
    registrations (Splink), which catches duplicates no normalised key can
    (typos, a swapped name, another transliteration). The draw takes those
    identities through this class rather than a copy of the analysis: rows the
    analysis says are one person are linked, on top of whatever ``base`` (by
    default :class:`KeyResolver`) links, transitively.

    Args:
        labels: one row per traveler the analysis resolved: the ``on`` columns
            and ``identity`` (equal values = one person). Travelers it does not
            list keep ``base``'s answer alone.
        on: the columns that name a traveler row in both frames, e.g.
            ``("registration_id", "traveler_index")`` or ``("traveler_id",)``.
        base: the resolver whose links come first.

    Example:
        >>> import polars as pl
        >>> from datetime import date
        >>> rows = pl.DataFrame({"traveler_id": [1, 2, 3],
        ...     "given_names": ["Ana", "Anna", "Luis"], "family_names": ["Pérez"] * 3,
        ...     "date_of_birth": [date(1990, 1, 2)] * 3})
        >>> labels = pl.DataFrame({"traveler_id": [1, 2], "identity": [9, 9]})
        >>> LinkedResolver(labels, on=("traveler_id",)).resolve(rows).tolist()
        [0, 0, 1]
    """

    def __init__(
        self,
        labels: pl.DataFrame,
        *,
        on: tuple[str, ...],
        base: PersonResolver | None = None,
    ) -> None:
        self.on = on
        self.base = base or KeyResolver()
        self.labels = labels.select(*on, "identity").unique(list(on), keep="first")

    def resolve(self, travelers: pl.DataFrame) -> np.ndarray:
        base = self.base.resolve(travelers).astype(np.int64)
        if travelers.height == 0:
            return base
        known = travelers.select(self.on).join(
            self.labels, on=list(self.on), how="left", maintain_order="left"
        )["identity"]
        has = known.is_not_null().to_numpy()
        n_base = int(base.max()) + 1
        identity = known.filter(pl.Series(has)).rank("dense").cast(pl.Int64).to_numpy() - 1
        n = n_base + (int(identity.max()) + 1 if len(identity) else 0)
        graph = coo_matrix(
            (np.ones(len(identity), dtype=np.int8), (base[has], n_base + identity)), shape=(n, n)
        )
        # Every identity node is joined to a row's person, so the components met by
        # the rows' persons are all of them: their labels are the answer.
        _, component = connected_components(graph, directed=False)
        return component[base].astype(np.int64)
