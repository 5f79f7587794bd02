"""Step 2 of Puerta's draw: seat entrants port by port, in a verifiable order.

Pure: (entrants, capacity, randomness) in, an :class:`Allocation` out. Split
from :mod:`puerta.draw.fair` (which re-exports it) because it is the part a
verifier re-runs on published records; :mod:`puerta.draw.commitment` states
the order byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from puerta.draw.pool import senior_seats

__all__ = ["Allocation", "allocate", "senior_seats", "tickets"]


@dataclass(frozen=True, slots=True)
class Allocation:
    """What :func:`allocate` decided, by entrant id (step 2)."""

    selected: dict[str, str]
    """Entrant id -> ``priority``, ``seniority`` or ``random``."""
    deferred: tuple[str, ...]
    """Reached but did not fit: seated first in their next draw at the port."""
    oversized: tuple[str, ...]
    """Larger than their port's capacity: never seatable, for staff."""
    seats_used: dict[str, int]


def tickets(randomness: bytes, entrant_ids: Sequence[str] | pl.Series) -> np.ndarray:
    """Each entrant's ticket: the first 8 bytes of SHA-256("<randomness hex>|<id>").

    Read as a big-endian unsigned integer; smaller tickets go first. The
    hash state after the common prefix is computed once and copied per
    entrant, which is the same SHA-256, only cheaper.

    Example:
        >>> int(tickets(bytes(32), ["E1"])[0]) == int.from_bytes(
        ...     hashlib.sha256(("00" * 32 + "|E1").encode()).digest()[:8], "big")
        True
    """
    base = hashlib.sha256((randomness.hex() + "|").encode())
    ids = pl.Series(entrant_ids, dtype=pl.Utf8).cast(pl.Binary).to_list()
    out: list[bytes] = []
    add = out.append
    for entrant in ids:
        h = base.copy()
        h.update(entrant)
        add(h.digest())
    return np.frombuffer(b"".join(out), dtype=">u8")[::4].astype(np.uint64)


def _by_ticket(idx: np.ndarray, ticket: np.ndarray, ids: pl.Series) -> np.ndarray:
    """``idx`` by ticket; exact 64-bit ties (astronomically rare) by entrant id, as specified."""
    order = idx[np.argsort(ticket[idx])]
    sorted_t = ticket[order]
    if len(order) > 1 and (sorted_t[1:] == sorted_t[:-1]).any():
        names = ids.gather(order).to_list()
        pairs = sorted(zip(sorted_t.tolist(), names, order.tolist(), strict=True))
        order = np.array([i for _, _, i in pairs], dtype=np.int64)
    return order


def _fill(
    order: np.ndarray,
    seats: np.ndarray,
    budget: int,
    reason: str,
    chosen: dict[int, str],
    unfit: set[int],
) -> int:
    """Seat entrants in ``order`` while seats remain; remember who did not fit.

    Walks the order in chunks: a pass usually ends after a few hundred entrants.
    """
    for start in range(0, len(order), 4096):
        if budget <= 0:
            break
        chunk = order[start : start + 4096]
        for i, need in zip(chunk.tolist(), seats[chunk].tolist(), strict=True):
            if budget <= 0:
                break
            if i in chosen:
                continue
            if need <= budget:
                chosen[i] = reason
                budget -= need
            else:
                unfit.add(i)
    return budget


def allocate(
    entrants: pl.DataFrame,
    capacity: Mapping[str, int],
    randomness: bytes,
    seniority_share: float,
) -> Allocation:
    """Seat entrants port by port: priority, then seniority, then by ticket.

    Args:
        entrants: ``entrant_id``, ``port_code``, ``seats``, ``seniority``
            (date), ``priority`` (bool), as in :attr:`Entrants.table` or as
            rebuilt from published records by the verifier.
        capacity: seats per port code (a missing port has none).
        randomness: the draw's 32 random bytes.
        seniority_share: share of each port's seats for the longest-waiting.

    Returns:
        The :class:`Allocation`; a function of the inputs alone.
    """
    if not 0.0 <= seniority_share <= 1.0:
        raise ValueError("seniority_share must be between 0 and 1")
    ids = entrants["entrant_id"].cast(pl.Utf8)
    seats = entrants["seats"].to_numpy().astype(np.int64)
    senior = entrants["seniority"].cast(pl.Date).to_physical().to_numpy().astype(np.int64)
    priority = entrants["priority"].to_numpy().astype(bool)
    ticket = tickets(randomness, ids)
    ports = entrants["port_code"].cast(pl.Utf8)
    names = sorted(ports.unique().to_list())
    port_of = ports.cast(pl.Enum(names)).to_physical().to_numpy().astype(np.int64)
    live = np.flatnonzero(seats > 0)
    grouped = live[np.argsort(port_of[live], kind="stable")]
    bounds = np.searchsorted(port_of[grouped], np.arange(len(names) + 1))
    chosen: dict[int, str] = {}
    deferred: list[int] = []
    oversized: list[int] = []
    used: dict[str, int] = {}
    for k, port in enumerate(names):
        idx = grouped[bounds[k] : bounds[k + 1]]
        if not len(idx):
            continue
        cap = int(capacity.get(port, 0))
        oversized.extend(idx[seats[idx] > cap].tolist())
        order = _by_ticket(idx[seats[idx] <= cap], ticket, ids)
        unfit: set[int] = set()
        budget = _fill(order[priority[order]], seats, cap, "priority", chosen, unfit)
        share = min(senior_seats(cap, seniority_share), budget)
        oldest = order[np.argsort(senior[order], kind="stable")]
        left = _fill(oldest, seats, share, "seniority", chosen, unfit)
        budget -= share - left
        budget = _fill(order, seats, budget, "random", chosen, unfit)
        deferred.extend(sorted(i for i in unfit if i not in chosen))
        used[port] = cap - budget
    chosen_ids = ids.gather(list(chosen)).to_list()
    return Allocation(
        selected=dict(zip(chosen_ids, chosen.values(), strict=True)),
        deferred=tuple(sorted(ids.gather(deferred).to_list())),
        oversized=tuple(sorted(ids.gather(oversized).to_list())),
        seats_used=used,
    )
