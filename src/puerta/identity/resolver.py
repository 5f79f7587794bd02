"""Resolving a day's travelers to persons, behind a small interface.

Why an interface: the draw needs "which traveler rows are the same human",
nothing more. The default answer, :class:`KeyResolver`, links rows by the
normalised keys of :mod:`puerta.identity.keys`; the trend analysis's
probabilistic (Splink) identities can replace it by implementing
:class:`PersonResolver` (one method), without the draw changing.

Speed: a pool of a million requests has about two million traveler rows.
Keys are computed once per *distinct* name (names repeat a lot), everything
else is columnar (Polars) and the linking is one connected-components pass
(SciPy) over distinct full keys, so resolution takes a fraction of a second.

Example:
    >>> import polars as pl
    >>> from datetime import date
    >>> rows = pl.DataFrame({
    ...     "given_names": ["Aleksandr", "Александр", "Ana"],
    ...     "family_names": ["Harutyunyan", "Арутюнян", "García López"],
    ...     "date_of_birth": [date(1990, 3, 7), date(1990, 7, 3), date(2001, 1, 2)],
    ...     "sex": ["M", "M", "F"]})
    >>> KeyResolver().resolve(rows).tolist()
    [0, 0, 1]
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
        # Keys become integers: one Python call per distinct name, then NumPy.
        names: dict[str, int] = {}  # family name keys
        given_names: dict[str, int] = {}
        given_col = travelers["given_names"]
        given_distinct = given_col.unique().to_list()
        given_ids = [
            given_names.setdefault(keys.given_key(g), len(given_names)) for g in given_distinct
        ]
        family_col = travelers["family_names"]
        family_distinct = family_col.unique().to_list()
        fam_full: list[int] = []
        fam_parts: list[list[int]] = []
        for f in family_distinct:
            fk = keys.family_keys(f)
            fam_full.append(names.setdefault(fk.full, len(names)))
            fam_parts.append([names.setdefault(p, len(names)) for p in fk.partial])
        if len(names) >= 1 << 24 or len(given_names) >= 1 << 20:
            raise ValueError("too many distinct names for the integer key layout")
        given = given_col.replace_strict(given_distinct, given_ids, return_dtype=pl.Int64)
        family = family_col.replace_strict(family_distinct, fam_full, return_dtype=pl.Int64)
        parts_of = family_col.replace_strict(
            family_distinct, fam_parts, return_dtype=pl.List(pl.Int64)
        )
        dob = travelers["date_of_birth"].cast(pl.Date)
        month, day = dob.dt.month().cast(pl.Int64), dob.dt.day().cast(pl.Int64)
        low = np.minimum(month.to_numpy(), day.to_numpy())
        high = np.maximum(month.to_numpy(), day.to_numpy())
        year = np.clip(dob.dt.year().cast(pl.Int64).to_numpy(), 1800, 2099)
        born = ((year - 1800) * 13 + low) * 32 + high
        if "sex" in travelers.columns:
            sex = (
                travelers["sex"]
                .fill_null("")
                .replace_strict(["", "F", "M", "X"], [0, 1, 2, 3], default=0, return_dtype=pl.Int64)
            )
        else:
            sex = pl.Series([0] * travelers.height, dtype=pl.Int64)
        # given (20 bits) | family (24 bits) | birth (17 bits: years 1800-2099) | sex (2 bits)
        rest = given.to_numpy() << 43
        suffix = (born << 2) | sex.to_numpy()
        full = rest | (family.to_numpy() << 19) | suffix
        uniq, full_id = np.unique(full, return_inverse=True)
        lengths = parts_of.list.len().to_numpy()
        has = np.flatnonzero(lengths > 0)
        src = np.repeat(full_id[has], lengths[has])
        part = parts_of.gather(has).explode().to_numpy()
        probe = (
            np.repeat(rest[has], lengths[has]) | (part << 19) | np.repeat(suffix[has], lengths[has])
        )
        pos = np.searchsorted(uniq, probe)
        pos = np.minimum(pos, len(uniq) - 1)
        hit = uniq[pos] == probe
        graph = coo_matrix(
            (np.ones(int(hit.sum()), dtype=np.int8), (src[hit], pos[hit])),
            shape=(len(uniq), len(uniq)),
        )
        _, labels = connected_components(graph, directed=False)
        # Number persons in order of first appearance, so results read naturally.
        person = labels[full_id]
        distinct, first = np.unique(person, return_index=True)
        relabel = np.empty(int(labels.max()) + 1, dtype=np.int64)
        relabel[distinct[np.argsort(first)]] = np.arange(len(distinct))
        return relabel[person]
