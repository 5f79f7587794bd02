"""The report's published algorithm, kept as the named baseline.

OIG-24-48, footnote 16: "A percentage of those selected are reserved for those
with the oldest registrations and the remaining appointments are selected
randomly." Implemented honestly, per port: first a share of the port's seats
goes to the oldest registrations, then the rest uniformly at random among the
remaining requests. Capacity counts travelers and a group is seated whole or
not at all (a group that does not fit is passed over for a smaller one).

It counts *registrations*, not persons: a person who holds many registrations
holds many tickets. That is the unfairness the report found, and the reason
Puerta's own draw replaces this one.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence

from puerta.draw.pool import Pick, PoolEntry, senior_seats

NAME = "oig-baseline"


def _rng(seed: bytes, port_code: str) -> random.Random:
    # One independent stream per port, so adding a port does not reshuffle another.
    digest = hashlib.sha256(seed + b"|" + port_code.encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _fill(entries: Sequence[PoolEntry], seats_left: int, reason: str) -> tuple[list[Pick], int]:
    picks: list[Pick] = []
    for entry in entries:
        if seats_left <= 0:
            break
        if entry.seats <= seats_left:
            picks.append(Pick(entry.request_id, reason))
            seats_left -= entry.seats
    return picks, seats_left


def baseline_draw(
    pool: Sequence[PoolEntry],
    capacity: Mapping[str, int],
    seed: bytes,
    seniority_share: float,
) -> list[Pick]:
    """Allocate each port's seats: oldest registrations first, then at random.

    >>> from datetime import datetime, UTC
    >>> t = datetime(2023, 5, 1, tzinfo=UTC)
    >>> pool = [PoolEntry(i, f"R{i}", "SYS", 1, t) for i in range(5)]
    >>> len(baseline_draw(pool, {"SYS": 3}, b"seed", 0.0))
    3
    """
    if not 0.0 <= seniority_share <= 1.0:
        raise ValueError("seniority_share must be between 0 and 1")
    by_port: dict[str, list[PoolEntry]] = defaultdict(list)
    for entry in pool:
        by_port[entry.port_code].append(entry)

    picks: list[Pick] = []
    for port_code in sorted(by_port):
        entries = sorted(by_port[port_code], key=lambda e: e.request_id)
        port_seats = capacity.get(port_code, 0)
        senior_share = senior_seats(port_seats, seniority_share)
        oldest = sorted(entries, key=lambda e: (e.registered_at, e.request_id))
        senior, unused = _fill(oldest, senior_share, "seniority")
        chosen = {p.request_id for p in senior}
        rest = [e for e in entries if e.request_id not in chosen]
        _rng(seed, port_code).shuffle(rest)
        randoms, _ = _fill(rest, port_seats - senior_share + unused, "random")
        picks.extend(senior)
        picks.extend(randoms)
    return picks
