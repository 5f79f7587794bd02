"""Puerta's draw: one ticket per person, groups whole, verifiable from published data.

Pure: plain values in, plain values out. Two steps, because the first runs
when the pool closes (its output is what gets published and digested) and the
second when the seed is revealed:

1. :func:`form_entrants` -- the pool resolved to *entrants*. Each person is
   entered once, by the oldest pooled request that lists them (their
   *home*); a request enters as the group of the persons it is home to, so
   its seats are its distinct new persons and its seniority is its own
   registration date (the earliest registration of every person in it). A
   request whose travelers were all entered by older requests (a duplicate)
   is merged into the older one and listed for review; one that shares some
   of its travelers with older requests is "linked", enters with the rest,
   and is listed too. Slipping yourself into other families' groups, or
   registering many times, therefore adds no ticket, and costs the families
   you joined nothing.
2. :func:`allocate` -- per port, three passes over the entrants, each in a
   fixed order: **priority** (entrants deferred by the previous draw, by
   ticket), **seniority** (``floor(capacity x share)`` seats, oldest seniority
   first, ties by ticket), **random** (every remaining entrant, by ticket).
   A ticket is ``SHA-256("<randomness hex>|<entrant id>")``; see
   :mod:`puerta.draw.commitment` for how the randomness is made.

Group policy (why no family is starved by being large): in every pass an
entrant that fits the seats left is seated whole; one that does not fit is
passed over *and deferred*: it will be seated first, ahead of everyone, in the
next draw it enters at that port (it must ask again). Smaller entrants behind
it still fill the seats, so none are wasted. Whether an entrant is reached
(seats remained when its turn came) does not depend on its size, so over the
days a family of six is as likely to travel as a person alone. An entrant
larger than its port's whole capacity can never be seated; it is reported as
``oversized`` for staff to handle.

Example:
    >>> from datetime import datetime, UTC
    >>> t = datetime(2023, 5, 1, tzinfo=UTC)
    >>> pool = [PoolEntry(1, "R1", "SYS", 1, t, ("ana",)),
    ...         PoolEntry(2, "R2", "SYS", 1, t, ("ana",)),      # Ana again
    ...         PoolEntry(3, "R3", "SYS", 2, t, ("bo", "cy"))]  # a family of two
    >>> result = fair_draw(pool, {"SYS": 3}, b"\\x00" * 32, 0.0)
    >>> sorted(p.request_id for p in result.picks)
    [1, 3]
    >>> [(m.request_id, m.into_request_id) for m in result.merged]
    [(2, 1)]
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import numpy as np
import polars as pl

from puerta.draw.pool import Pick, PoolEntry

NAME = "puerta-fair-v1"
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Entrants:
    """The pool resolved to entrants (step 1).

    ``table``: one row per entrant: ``entrant_id`` (str, its request's public
    id), ``port_code``, ``seats`` (persons it enters), ``seniority`` (date),
    ``priority`` (bool), ``anchor`` (its request id). ``members``: one row per
    pooled request: ``request_id``, ``public_id``, ``entrant_id`` (for a
    duplicate, the entrant it was merged into), ``anchor`` (request id it was
    merged into or linked to; itself for a plain entrant), ``seats``,
    ``travelers``, ``role`` (``entrant``, ``linked`` or ``duplicate``).
    """

    table: pl.DataFrame
    members: pl.DataFrame
    homes: pl.DataFrame
    """``request_id``, ``person``: each traveler row the request enters (seats)."""


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


@dataclass(frozen=True, slots=True)
class FairPick:
    """A request seated by the draw: its port and the seats it adds."""

    request_id: int
    entrant_id: str
    port_code: str
    seats: int
    reason: str
    persons: tuple[Hashable, ...] = ()
    """The persons this request seats (its travelers not entered by an older request)."""


@dataclass(frozen=True, slots=True)
class Merged:
    """A request listed for review: which entrant it rode in, and how."""

    request_id: int
    into_request_id: int
    role: str
    """``duplicate`` (adds nobody) or ``linked`` (shares some travelers)."""


@dataclass(frozen=True, slots=True)
class FairDraw:
    """The draw's full outcome."""

    seated: tuple[FairPick, ...]
    merged: tuple[Merged, ...]
    """Every request that did not enter alone; the review list."""
    allocation: Allocation
    entrants: Entrants

    @property
    def picks(self) -> list[Pick]:
        """The seated requests as the baseline's plain :class:`Pick` values."""
        return [Pick(p.request_id, p.reason) for p in self.seated]


def form_entrants(requests: pl.DataFrame, travelers: pl.DataFrame) -> Entrants:
    """Resolve a pool to entrants: each person enters once, with their oldest request.

    A person's *home* is the oldest pooled request that lists them (by
    registration time, then request id). A request enters the draw as the
    group of the persons it is home to; a request home to nobody is merged.

    Args:
        requests: one row per pooled request: ``request_id`` (int),
            ``port_code`` (str), ``registered_at`` (date or datetime: when its
            registration was created); optional ``public_id`` (str, default
            the request id) and ``priority`` (bool, default false).
        travelers: one row per traveler: ``request_id`` and ``person`` (any
            column type: equal values are the same person, e.g. the output of
            a :class:`puerta.identity.resolver.PersonResolver`).

    Returns:
        The :class:`Entrants`.

    Example:
        >>> from datetime import date
        >>> req = pl.DataFrame({"request_id": [1, 2, 3], "port_code": ["SYS"] * 3,
        ...     "registered_at": [date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1)]})
        >>> trav = pl.DataFrame({"request_id": [1, 2, 2, 3], "person": [7, 7, 8, 8]})
        >>> form_entrants(req, trav).members.select("request_id", "seats", "role").rows()
        [(1, 1, 'entrant'), (2, 1, 'linked'), (3, 0, 'duplicate')]
    """
    req = requests.select(
        "request_id",
        "port_code",
        "registered_at",
        public_id=(
            pl.col("public_id") if "public_id" in requests.columns else pl.col("request_id")
        ).cast(pl.Utf8),
        priority=pl.col("priority") if "priority" in requests.columns else pl.lit(False),
        seniority=pl.col("registered_at").cast(pl.Date),
    ).sort("registered_at", "request_id")
    req = req.with_row_index("r").with_columns(pl.col("r").cast(pl.Int64))
    rows = (
        travelers.select("request_id", "person")
        .join(req.select("request_id", "r"), on="request_id", how="inner")
        .with_columns(home=pl.col("r").min().over("person"))
    )
    per_request = rows.group_by("r").agg(
        travelers=pl.len().cast(pl.Int64),
        seats=(pl.col("r") == pl.col("home")).sum().cast(pl.Int64),
        into=pl.col("home").min(),
    )
    req = (
        req.join(per_request, on="r", how="left")
        .with_columns(pl.col("travelers").fill_null(0), pl.col("seats").fill_null(0))
        .sort("r")
    )
    into_id = req.select("r", pl.col("request_id").alias("anchor"), pl.col("public_id").alias("ap"))
    members = (
        req.join(into_id, left_on="into", right_on="r", how="left")
        .with_columns(
            entrant_id=pl.when(pl.col("seats") > 0).then(pl.col("public_id")).otherwise("ap"),
            anchor=pl.when(pl.col("seats") < pl.col("travelers"))
            .then(pl.col("anchor"))
            .otherwise(pl.col("request_id")),
            role=pl.when(pl.col("seats") == pl.col("travelers"))
            .then(pl.lit("entrant"))
            .when(pl.col("seats") == 0)
            .then(pl.lit("duplicate"))
            .otherwise(pl.lit("linked")),
        )
        .sort("r")
        .select("request_id", "public_id", "entrant_id", "anchor", "seats", "travelers", "role")
    )
    table = req.filter(pl.col("seats") > 0).select(
        pl.col("public_id").alias("entrant_id"),
        "port_code",
        "seats",
        "seniority",
        "priority",
        pl.col("request_id").alias("anchor"),
    )
    homes = rows.filter(pl.col("r") == pl.col("home")).select("request_id", "person")
    return Entrants(table, members, homes)


def tickets(randomness: bytes, entrant_ids: Sequence[str]) -> np.ndarray:
    """Each entrant's ticket: the first 8 bytes of SHA-256("<randomness hex>|<id>").

    Read as a big-endian unsigned integer; smaller tickets go first.

    Example:
        >>> int(tickets(bytes(32), ["E1"])[0]) == int.from_bytes(
        ...     hashlib.sha256(("00" * 32 + "|E1").encode()).digest()[:8], "big")
        True
    """
    prefix = randomness.hex() + "|"
    sha = hashlib.sha256
    raw = b"".join([sha((prefix + e).encode()).digest()[:8] for e in entrant_ids])
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def _ordered(
    idx: np.ndarray, ticket: np.ndarray, ids: Sequence[str], first: np.ndarray | None
) -> list[int]:
    """``idx`` sorted by (first, ticket, entrant id); ties past 64 bits are astronomically rare."""
    keys = (ticket[idx],) if first is None else (ticket[idx], first[idx])
    order = idx[np.lexsort(keys)]
    sorted_t = ticket[order]
    same = sorted_t[1:] == sorted_t[:-1]
    if first is not None:
        sorted_f = first[order]
        same &= sorted_f[1:] == sorted_f[:-1]
    out = order.tolist()
    if same.any():  # break exact ties by entrant id, as the spec says
        out.sort(key=lambda i: (0 if first is None else int(first[i]), int(ticket[i]), ids[i]))
    return out


def _fill(
    order: list[int],
    seats: np.ndarray,
    budget: int,
    reason: str,
    chosen: dict[int, str],
    unfit: set[int],
) -> int:
    """Seat entrants in ``order`` while seats remain; remember who did not fit."""
    for i in order:
        if budget <= 0:
            break
        if i in chosen:
            continue
        need = int(seats[i])
        if need <= budget:
            chosen[i] = reason
            budget -= need
        else:
            unfit.add(i)
    return budget


def senior_seats(capacity: int, seniority_share: float) -> int:
    """``floor(capacity x share)``, with the share read as the decimal it is written as.

    Example:
        >>> senior_seats(290, 0.3)  # 290 * 0.3 is 86.99999... in binary floating point
        87
    """
    return int(Fraction(str(seniority_share)) * capacity)


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
    ids: list[str] = entrants["entrant_id"].to_list()
    seats = entrants["seats"].to_numpy().astype(np.int64)
    senior = (entrants["seniority"].cast(pl.Date).to_numpy() - np.datetime64(EPOCH)).astype(
        np.int64
    )
    priority = entrants["priority"].to_numpy().astype(bool)
    ticket = tickets(randomness, ids)
    by_port = (
        entrants.select("port_code", "seats")
        .with_row_index("i")
        .filter(pl.col("seats") > 0)
        .group_by("port_code")
        .agg(pl.col("i"))
    )
    chosen: dict[int, str] = {}
    deferred: list[int] = []
    oversized: list[int] = []
    used: dict[str, int] = {}
    for port, members in sorted(by_port.iter_rows()):
        idx = np.asarray(members, dtype=np.int64)
        cap = int(capacity.get(port, 0))
        big = idx[seats[idx] > cap]
        oversized.extend(big.tolist())
        idx = idx[seats[idx] <= cap]
        unfit: set[int] = set()
        budget = cap
        prio = idx[priority[idx]]
        budget = _fill(_ordered(prio, ticket, ids, None), seats, budget, "priority", chosen, unfit)
        share = min(senior_seats(cap, seniority_share), budget)
        left = _fill(_ordered(idx, ticket, ids, senior), seats, share, "seniority", chosen, unfit)
        budget -= share - left
        budget = _fill(_ordered(idx, ticket, ids, None), seats, budget, "random", chosen, unfit)
        deferred.extend(sorted(i for i in unfit if i not in chosen))
        used[port] = cap - budget
    return Allocation(
        selected={ids[i]: reason for i, reason in chosen.items()},
        deferred=tuple(sorted(ids[i] for i in deferred)),
        oversized=tuple(sorted(ids[i] for i in oversized)),
        seats_used=used,
    )


def pool_frames(
    pool: Sequence[PoolEntry],
    persons: Mapping[int, Sequence[Hashable]] | None = None,
    public_ids: Mapping[int, str] | None = None,
    priority_registrations: Collection[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two frames :func:`form_entrants` reads, from plain :class:`PoolEntry` values.

    Persons come from ``persons`` (request id -> one person per traveler), else
    from ``entry.persons``; a request with neither counts its seats as
    strangers to everyone else.
    """
    requests = pl.DataFrame(
        {
            "request_id": [e.request_id for e in pool],
            "port_code": [e.port_code for e in pool],
            "registered_at": [e.registered_at for e in pool],
            "public_id": [
                public_ids[e.request_id] if public_ids else str(e.request_id) for e in pool
            ],
            "priority": [e.registration_id in priority_registrations for e in pool],
        },
        schema_overrides={"request_id": pl.Int64, "port_code": pl.Utf8, "public_id": pl.Utf8},
    )
    rid: list[int] = []
    who: list[str] = []
    for e in pool:
        found = persons.get(e.request_id) if persons is not None else None
        listed = tuple(found) if found is not None else e.persons
        if not listed:
            listed = tuple(f"\x00{e.request_id}:{k}" for k in range(e.seats))
        rid.extend([e.request_id] * len(listed))
        who.extend(repr(p) if not isinstance(p, str) else p for p in listed)
    travelers = pl.DataFrame(
        {"request_id": rid, "person": who}, schema={"request_id": pl.Int64, "person": pl.Utf8}
    )
    return requests, travelers


def draw_frames(
    requests: pl.DataFrame,
    travelers: pl.DataFrame,
    capacity: Mapping[str, int],
    randomness: bytes,
    seniority_share: float,
) -> FairDraw:
    """The whole draw on columnar input: the fast path for large pools."""
    entrants = form_entrants(requests, travelers)
    allocation = allocate(entrants.table, capacity, randomness, seniority_share)
    return _outcome(entrants, allocation)


def fair_draw(
    pool: Sequence[PoolEntry],
    capacity: Mapping[str, int],
    randomness: bytes,
    seniority_share: float,
    persons: Mapping[int, Sequence[Hashable]] | None = None,
    *,
    public_ids: Mapping[int, str] | None = None,
    priority_registrations: Collection[str] = (),
) -> FairDraw:
    """Puerta's draw over plain pool entries; same contract as the baseline's plus persons.

    Args:
        pool: the day's pooled requests.
        capacity: seats per port.
        randomness: from :func:`puerta.draw.commitment.derive_randomness`.
        seniority_share: share of seats for the longest-waiting persons.
        persons: resolver output, request id -> a person per traveler.
        public_ids: request id -> opaque public id (default: the request id).
        priority_registrations: registrations deferred by the previous draw.
    """
    requests, travelers = pool_frames(pool, persons, public_ids, priority_registrations)
    return draw_frames(requests, travelers, capacity, randomness, seniority_share)


def _outcome(entrants: Entrants, allocation: Allocation) -> FairDraw:
    ports = dict(entrants.table.select("entrant_id", "port_code").iter_rows())
    selected = allocation.selected
    chosen = entrants.table.filter(pl.col("entrant_id").is_in(list(selected)))["anchor"]
    persons: dict[int, list[Hashable]] = {}
    for rid, person in entrants.homes.filter(
        pl.col("request_id").is_in(chosen.to_list())
    ).iter_rows():
        persons.setdefault(rid, []).append(person)
    seated = tuple(
        FairPick(rid, eid, ports[eid], seats, selected[eid], tuple(persons.get(rid, ())))
        for rid, eid, seats in entrants.members.filter(
            pl.col("entrant_id").is_in(list(selected)) & (pl.col("seats") > 0)
        )
        .select("request_id", "entrant_id", "seats")
        .iter_rows()
    )
    merged = tuple(
        Merged(rid, anchor, role)
        for rid, anchor, role in entrants.members.filter(pl.col("role") != "entrant")
        .select("request_id", "anchor", "role")
        .iter_rows()
    )
    return FairDraw(seated, merged, allocation, entrants)
