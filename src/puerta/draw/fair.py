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

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from puerta.draw.allocation import Allocation, allocate, senior_seats, tickets
from puerta.draw.pool import Pick, PoolEntry

__all__ = [
    "NAME",
    "Allocation",
    "Entrants",
    "FairDraw",
    "FairPick",
    "Merged",
    "allocate",
    "draw_frames",
    "fair_draw",
    "form_entrants",
    "pool_frames",
    "senior_seats",
    "tickets",
]

NAME = "puerta-fair-v1"


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
        public_id=(
            pl.col("public_id") if "public_id" in requests.columns else pl.col("request_id")
        ).cast(pl.Utf8),
        priority=pl.col("priority") if "priority" in requests.columns else pl.lit(False),
        seniority=pl.col("registered_at").cast(pl.Date),
    )
    n_req = req.height
    rid = req["request_id"].to_numpy()
    at = requests["registered_at"].to_physical().to_numpy().astype(np.int64)
    rank = np.empty(n_req, dtype=np.int64)  # a request's place in seniority order
    rank[np.lexsort((rid, at))] = np.arange(n_req)
    row_of, known = _positions(rid, travelers["request_id"].to_numpy())
    rows = travelers.select("request_id", "person").filter(pl.Series(known))
    row_req = row_of[known]  # each traveler row's request (position in ``req``)
    r = rank[row_req]
    person = _dense(rows["person"])
    # A person's home: the oldest request listing them. A repeat of a person inside
    # one request is a person of its own (two travelers need two seats).
    repeat = _repeats(person * max(n_req, 1) + r)
    home_of = np.full(int(person.max(initial=-1)) + 1, n_req, dtype=np.int64)
    np.minimum.at(home_of, person, r)
    home = np.where(repeat, r, home_of[person])
    is_home = repeat | (home_of[person] == r)
    seats = np.bincount(row_req[is_home], minlength=n_req)
    count = np.bincount(row_req, minlength=n_req)
    into = np.full(n_req, n_req, dtype=np.int64)
    np.minimum.at(into, row_req, home)
    by_rank = np.empty(n_req + 1, dtype=np.int64)
    by_rank[rank] = np.arange(n_req)
    by_rank[n_req] = -1
    members, table = _member_frames(req, seats, count, by_rank[into])
    homes = rows.filter(pl.Series(is_home)).select("request_id", "person")
    return Entrants(table, members, homes)


def _positions(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``wanted`` is in ``ids`` (unique), and whether it is there at all.

    Database ids are nearly contiguous, so a lookup table usually replaces
    the binary search.
    """
    if len(ids) == 0:
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    low, high = int(ids.min()), int(ids.max())
    if high - low < 4 * len(ids) + 1024:
        table = np.full(high - low + 2, -1, dtype=np.int64)
        table[ids - low] = np.arange(len(ids))
        pos = table[np.clip(wanted - low, -1, high - low + 1)]
        return np.maximum(pos, 0), pos >= 0
    by_id = np.argsort(ids, kind="stable")
    found = np.minimum(np.searchsorted(ids[by_id], wanted), len(ids) - 1)
    return by_id[found], ids[by_id][found] == wanted


def _repeats(pairs: np.ndarray) -> np.ndarray:
    """True for each row whose (person, request) pair appeared in an earlier row.

    A plain sort finds whether any pair repeats (they practically never do);
    only then are the few repeated pairs located.
    """
    ordered = np.sort(pairs)
    same = ordered[1:] == ordered[:-1]
    out = np.zeros(len(pairs), dtype=bool)
    if not same.any():
        return out
    suspects = np.flatnonzero(np.isin(pairs, np.unique(ordered[1:][same])))
    _, first = np.unique(pairs[suspects], return_index=True)
    out[suspects] = True
    out[suspects[first]] = False
    return out


def _dense(person: pl.Series) -> np.ndarray:
    """Person values as small non-negative integers (the resolver's already are)."""
    if person.dtype.is_integer() and len(person):
        values = person.to_numpy().astype(np.int64)
        if values.min() >= 0 and values.max() < 4 * len(values) + 1024:
            return values
    if len(person) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(person.to_numpy(), return_inverse=True)[1].astype(np.int64).ravel()


def _member_frames(
    req: pl.DataFrame, seats: np.ndarray, count: np.ndarray, into: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-request roles and per-entrant rows; ``into`` is the row merged into (-1: none)."""
    n_req = req.height
    itself = np.arange(n_req)
    anchor_r = np.where((seats < count) & (into >= 0), into, itself)
    entrant_r = np.where(seats > 0, itself, anchor_r)
    public = req["public_id"]
    members = pl.DataFrame(
        {
            "request_id": req["request_id"],
            "public_id": public,
            "entrant_id": public.gather(entrant_r),
            "anchor": req["request_id"].gather(anchor_r),
            "seats": seats.astype(np.int64),
            "travelers": count.astype(np.int64),
        }
    ).with_columns(
        role=pl.when(pl.col("seats") == pl.col("travelers"))
        .then(pl.lit("entrant"))
        .when(pl.col("seats") == 0)
        .then(pl.lit("duplicate"))
        .otherwise(pl.lit("linked"))
    )
    has = pl.Series(seats > 0)
    table = (
        req.with_columns(seats=members["seats"])
        .filter(has)
        .select(
            pl.col("public_id").alias("entrant_id"),
            "port_code",
            "seats",
            "seniority",
            "priority",
            pl.col("request_id").alias("anchor"),
        )
    )
    return members, table


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
