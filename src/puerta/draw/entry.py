"""What an applicant sees of their entry in a day's draw, and how to check it.

Why: verifiability is only real if an applicant can find themselves in the
published pool. Their entrant id is opaque to everyone else; with it and the
inclusion proof they can check, without trusting Puerta, that their request
was in the pool that was drawn, and then recompute the draw.

Why a cache: a published pool and a made draw never change, and at noon every
applicant asks for their entry at once. Reading a whole pool's records,
parsing them and hashing its Merkle tree on each call cost more than everything
else on the call; :class:`PublishedPool` does it once per process and pool
(keyed by the pool's root, so a different pool can never be served from it),
and a call costs one statement of its own (``journey/hot_path.py``) or, on
the ORM path here, a few small reads.
"""

from __future__ import annotations

import asyncio
import bisect
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import anyio.to_thread
import polars as pl
from sqlalchemy import JSON, Date, Integer, String, select
from sqlalchemy.orm import Session

from puerta.accounts import hot as signed_in
from puerta.config import Settings
from puerta.db import UTCDateTime
from puerta.draw import commitment as cm
from puerta.draw import fair, publication
from puerta.draw.models import Draw
from puerta.draw.record import Record, parse_many
from puerta.errors import NoEntryInPool
from puerta.i18n import M, Message
from puerta.registration.models import Registration
from puerta.requests.models import AppointmentRequest
from puerta.statements import Statement, Statements

HOW_TO_VERIFY = M(
    "entry.how_to_verify",
    "Check that your record and proof rebuild the published pool root, then recompute the draw: "
    "GET /api/v1/draws/{date}/verify, or `puerta draw verify --date {date}`, or any program "
    "following docs/draw.md with the artefacts of GET /api/v1/draws/{date}/published.",
)
#: What the draw did with the owner's group, by ``result`` code.
RESULTS: dict[str, Message] = {
    "selected": M("entry.selected", "Selected ({reason})."),
    "deferred": M(
        "entry.deferred",
        "Deferred: your group did not fit; it goes first in your next draw at this port.",
    ),
    "not_selected": M("entry.not_selected", "Not selected."),
}
SELECTION_REASONS: dict[str, Message] = {
    "priority": M("term.pick.priority", "deferred group first"),
    "seniority": M("term.pick.seniority", "waited longest"),
    "random": M("term.pick.random", "at random"),
}


@dataclass(frozen=True)
class EntryFacts:
    """What one call needs from the store: the owner's request and the day's public rows."""

    request_id: int
    pool_date: date
    port_code: str
    public_id: str | None
    registered_at: datetime
    seed_commitment: str | None = None
    pool_root: str | None = None
    pool_published_at: datetime | None = None
    #: Requests in the published pool (0 or None: nothing was published).
    pool_size: int | None = None
    #: The draw's identity (id, seed, creation time), None before it ran: the key of
    #: its cached outcome, which a reused id in another store cannot collide with.
    draw_key: tuple[int, str, str] | None = None


@dataclass(frozen=True)
class Standing:
    entrant_id: str
    seats: int
    seniority: date


class PublishedPool:
    """A published pool, read once: each record by public id, the tree, standings by port."""

    def __init__(self, records: list[str]) -> None:
        parsed = parse_many(records)
        self.root = cm.MerkleTree(records)
        self.record_of: dict[str, str] = dict(
            zip(parsed["public_id"].to_list(), parsed["record"].to_list(), strict=True)
        )
        entrants = cm.entrants_from_table(parsed)
        self.entrants: dict[str, Standing] = {
            e: Standing(e, s, d)
            for e, s, d in zip(
                entrants["entrant_id"].to_list(),
                entrants["seats"].to_list(),
                entrants["seniority"].to_list(),
                strict=True,
            )
        }
        by_port = entrants.group_by("port_code").agg(
            pl.col("seniority").sort(), pl.col("seats").sum().alias("persons")
        )
        self.seniorities: dict[str, list[date]] = dict(
            zip(by_port["port_code"].to_list(), by_port["seniority"].to_list(), strict=True)
        )
        self.persons: dict[str, int] = dict(
            zip(by_port["port_code"].to_list(), by_port["persons"].to_list(), strict=True)
        )

    def waiting_longer(self, port: str, seniority: date) -> int:
        return bisect.bisect_left(self.seniorities.get(port, []), seniority)


@dataclass(frozen=True)
class DrawOutcome:
    """The parts of a made draw an entry shows (``made``: it has a result to show)."""

    made: bool
    result: dict[str, str]
    deferred: frozenset[str]
    seed_hex: str
    capacity: dict[str, int]

    @classmethod
    def of(
        cls,
        result: dict[str, str] | None,
        deferred: list[str] | None,
        seed_hex: str,
        params: dict[str, Any] | None,
    ) -> DrawOutcome:
        return cls(
            result is not None,
            dict(result or {}),
            frozenset(deferred or []),
            seed_hex,
            dict((params or {}).get("capacity", {})),
        )


class _Bounded:
    """A small LRU map shared by a process's threads (a few days' pools, not more)."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> Any:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


POOLS = _Bounded(4)
OUTCOMES = _Bounded(16)


def pool_key(facts: EntryFacts) -> tuple[date, str] | None:
    if facts.pool_published_at is None or facts.pool_root is None or not facts.pool_size:
        return None
    return (facts.pool_date, facts.pool_root)


def cached_pool(facts: EntryFacts) -> PublishedPool | None:
    key = pool_key(facts)
    return POOLS.get(key) if key is not None else None


def remember_pool(facts: EntryFacts, records: list[str]) -> PublishedPool:
    return POOLS.put(pool_key(facts), PublishedPool(records))


def draw_key(draw_id: int, seed_hex: str, created_at: datetime) -> tuple[int, str, str]:
    return (draw_id, seed_hex, created_at.isoformat())


def cached_outcome(facts: EntryFacts) -> DrawOutcome | None:
    return OUTCOMES.get(facts.draw_key) if facts.draw_key is not None else None


def remember_outcome(facts: EntryFacts, outcome: DrawOutcome) -> DrawOutcome:
    return OUTCOMES.put(facts.draw_key, outcome)


def view(
    facts: EntryFacts,
    *,
    pool: PublishedPool | None,
    outcome: DrawOutcome | None,
    settings: Settings,
) -> dict[str, Any]:
    """The owner's view of their request in its day's draw, from facts and the cached pool.

    Keys: ``pool_date``, ``port_code``, ``entrant_id`` (their request's public
    id), ``seniority_date``, ``stage`` (``committed``, ``pool_published``,
    ``drawn`` or ``not_published``), then, as they become known, the
    commitment, their published ``record`` with its ``inclusion_proof``,
    ``standing`` (seniority rank and demand at their port), and the
    ``result`` (a code: ``selected``, ``deferred`` or ``not_selected``, with
    ``selected_by``) and ``how_to_verify``; ``messages`` maps the keys whose
    wording the edge renders to their catalog messages and parameters.
    """
    day = facts.pool_date
    public_id = facts.public_id or cm.public_id(
        publication.entrant_key(settings), day, facts.request_id
    )
    out: dict[str, Any] = {
        "pool_date": day.isoformat(),
        "port_code": facts.port_code,
        "entrant_id": public_id,
        "seniority_date": facts.registered_at.date().isoformat(),
        "stage": "not_published",
    }
    if facts.seed_commitment is None:
        return out
    out |= {"stage": "committed", "seed_commitment": facts.seed_commitment}
    if pool is None or facts.pool_published_at is None:
        return out
    out |= _in_pool(pool, facts, public_id, settings)
    if outcome is not None and outcome.made:
        out |= _result(outcome, day, out.get("group_entrant_id"), facts.port_code)
    return out


def entry(
    session: Session,
    *,
    registration: Registration,
    settings: Settings,
    pool_date: date | None = None,
) -> dict[str, Any]:
    """:func:`view` of the owner's request in ``pool_date``'s draw (default: their latest)."""
    request = _request(session, registration, pool_date)
    row = publication.get_commitment(session, request.pool_date)
    draw = session.scalar(select(Draw).where(Draw.pool_date == request.pool_date))
    facts = EntryFacts(
        request_id=request.id,
        pool_date=request.pool_date,
        port_code=request.port_code,
        public_id=request.public_id,
        registered_at=registration.created_at,
        seed_commitment=row.seed_commitment if row else None,
        pool_root=row.pool_root if row else None,
        pool_published_at=row.pool_published_at if row else None,
        pool_size=len(row.records or []) if row else None,
        draw_key=draw_key(draw.id, draw.seed_hex, draw.created_at) if draw else None,
    )
    pool = cached_pool(facts)
    if pool is None and row is not None and pool_key(facts) is not None:
        pool = remember_pool(facts, list(row.records or []))
    outcome = cached_outcome(facts)
    if outcome is None and draw is not None:
        made = DrawOutcome.of(draw.result, draw.deferred, draw.seed_hex, draw.params)
        outcome = remember_outcome(facts, made)
    return view(facts, pool=pool, outcome=outcome, settings=settings)


def _request(
    session: Session, registration: Registration, pool_date: date | None
) -> AppointmentRequest:
    query = select(AppointmentRequest).where(AppointmentRequest.registration_id == registration.id)
    if pool_date is not None:
        query = query.where(AppointmentRequest.pool_date == pool_date)
    request = session.scalar(query.order_by(AppointmentRequest.pool_date.desc()).limit(1))
    if request is None:
        raise NoEntryInPool()
    return request


def _in_pool(
    pool: PublishedPool, facts: EntryFacts, public_id: str, settings: Settings
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stage": "pool_published",
        "pool_root": facts.pool_root,
        "pool_published_at": facts.pool_published_at.isoformat() if facts.pool_published_at else "",
    }
    mine = pool.record_of.get(public_id)
    if mine is None:  # not in the pool: withdrawn or deactivated before it closed
        out["record"] = None
        return out
    own_record = Record.parse(mine)
    group, port = own_record.entrant_id, own_record.port_code
    own = pool.entrants.get(group)
    capacity = settings.port_capacity().get(port, 0)
    out |= {
        "record": mine,
        "inclusion_proof": [list(p) for p in pool.root.proof(mine)],
        "group_entrant_id": group,
        "seats_in_group": own.seats if own else 0,
        "merged": own_record.seats == 0,
        "standing": {
            "seniority_date": own_record.seniority.isoformat(),
            "entrants_waiting_longer": pool.waiting_longer(port, own.seniority) if own else 0,
            "seniority_seats": fair.senior_seats(capacity, settings.seniority_share),
            "entrants_at_port": len(pool.seniorities.get(port, [])),
            "persons_at_port": pool.persons.get(port, 0),
            "seats_at_port": capacity,
        },
    }
    return out


def _result(outcome: DrawOutcome, day: date, group: str | None, port_code: str) -> dict[str, Any]:
    selected_by = None
    if group is not None and group in outcome.result:
        result, selected_by = "selected", outcome.result[group]
    elif group is not None and group in outcome.deferred:
        result = "deferred"
    else:
        result = "not_selected"
    reason = SELECTION_REASONS.get(selected_by or "", M("term.pick.other", "other"))
    return {
        "stage": "drawn",
        "result": result,
        "selected_by": selected_by,
        "seed_hex": outcome.seed_hex,
        "seats_drawn_at_port": outcome.capacity.get(port_code, 0),
        "messages": {
            "result_message": (RESULTS[result], {"reason": reason} if selected_by else {}),
            "how_to_verify": (HOW_TO_VERIFY, {"date": day.isoformat()}),
        },
    }


# --- the hot path: the same view in one statement -----------------------------------------

ENTRY = Statement(  # the f-string puts in the shared FROM and WHERE, no request value
    "draw.entry",
    f"""
SELECT q.id AS request_id, q.pool_date AS pool_date, q.port_code AS port_code,
       q.public_id AS public_id, r.created_at AS registered_at,
       c.seed_commitment AS seed_commitment, c.pool_root AS pool_root,
       c.pool_published_at AS pool_published_at, c.pool_size AS pool_size,
       d.id AS draw_id, d.seed_hex AS draw_seed_hex, d.created_at AS draw_created_at
{signed_in.FROM_OWNED}
  JOIN appointment_requests q ON q.id = (SELECT l.id FROM appointment_requests l
        WHERE l.registration_id = r.id ORDER BY l.pool_date DESC LIMIT 1)
  LEFT JOIN draw_commitments c ON c.pool_date = q.pool_date
  LEFT JOIN draws d ON d.pool_date = q.pool_date
{signed_in.WHERE_OWNED}
""",  # noqa: S608
    params=dict(signed_in.PARAMS),
    columns={
        "request_id": Integer(),
        "pool_date": Date(),
        "port_code": String(),
        "public_id": String(),
        "registered_at": UTCDateTime(),
        "seed_commitment": String(),
        "pool_root": String(),
        "pool_published_at": UTCDateTime(),
        "pool_size": Integer(),
        "draw_id": Integer(),
        "draw_seed_hex": String(),
        "draw_created_at": UTCDateTime(),
    },
)
POOL_RECORDS = Statement(
    "draw.pool_records",
    "SELECT records FROM draw_commitments WHERE pool_date = :pool_date",
    params={"pool_date": Date()},
    columns={"records": JSON()},
)
DRAW_OUTCOME = Statement(
    "draw.outcome",
    "SELECT result, deferred, seed_hex, params FROM draws WHERE id = :draw_id",
    params={"draw_id": Integer()},
    columns={"result": JSON(), "deferred": JSON(), "seed_hex": String(), "params": JSON()},
)


_LOADING: dict[tuple[date, str], asyncio.Lock] = {}


async def _load_pool(statements: Statements, facts: EntryFacts) -> PublishedPool:
    """Read and index a published pool once, however many callers miss it at once.

    The first caller reads the records and builds the index in a worker thread
    (tens of thousands of records: parsing, hashing the tree), so the event loop
    keeps serving the others; the callers that missed meanwhile wait for it
    instead of each doing the same work.
    """
    key = pool_key(facts)
    assert key is not None
    lock = _LOADING.setdefault(key, asyncio.Lock())
    async with lock:
        pool = cached_pool(facts)
        if pool is None:
            found = await statements.one(POOL_RECORDS, {"pool_date": facts.pool_date})
            records = list((found or {}).get("records") or [])
            pool = await anyio.to_thread.run_sync(remember_pool, facts, records)
    _LOADING.pop(key, None)
    return pool


async def hot_entry(
    statements: Statements,
    *,
    token_hash: str,
    registration_id: str,
    settings: Settings,
    now: datetime,
) -> dict[str, Any] | None:
    """:func:`view` of the owner's latest request, or None: the ORM path says why not.

    One statement; the first call of a process for a published pool or a made
    draw reads it once more (:data:`POOL_RECORDS`, :data:`DRAW_OUTCOME`).
    """
    row = await statements.one(
        ENTRY, {"token_hash": token_hash, "now": now, "registration_id": registration_id}
    )
    if row is None:
        return None
    facts = EntryFacts(
        request_id=row["request_id"],
        pool_date=row["pool_date"],
        port_code=row["port_code"],
        public_id=row["public_id"],
        registered_at=row["registered_at"],
        seed_commitment=row["seed_commitment"],
        pool_root=row["pool_root"],
        pool_published_at=row["pool_published_at"],
        pool_size=row["pool_size"],
        draw_key=None
        if row["draw_id"] is None
        else draw_key(row["draw_id"], row["draw_seed_hex"], row["draw_created_at"]),
    )
    pool = cached_pool(facts)
    if pool is None and pool_key(facts) is not None:
        pool = await _load_pool(statements, facts)
    outcome = cached_outcome(facts)
    if outcome is None and facts.draw_key is not None:
        found = await statements.one(DRAW_OUTCOME, {"draw_id": row["draw_id"]})
        if found is not None:
            outcome = remember_outcome(
                facts,
                DrawOutcome.of(
                    found["result"], found["deferred"], found["seed_hex"], found["params"]
                ),
            )
    return view(facts, pool=pool, outcome=outcome, settings=settings)
