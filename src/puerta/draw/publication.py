"""What a draw publishes, step by step: commitment, pool, result; and how it is checked.

Why its own module: these are the steps that make the draw verifiable
(``docs/draw.md``), each a service function the caller commits:

1. :func:`commit` -- before a pool date's request window opens, a secret seed
   is drawn and its commitment published (the scheduler does it; ``puerta
   draw commit`` too). The request service never waits for it: a pool date
   whose commitment came late (after its window opened) is still drawn, with
   a published warning, because refusing would cost every applicant that
   day's appointments.
2. :func:`close_pool` -- when the window has closed: persons resolved (a
   :class:`~puerta.identity.resolver.PersonResolver`; by default the
   normalised keys plus the trend analysis's standing duplicate-person
   findings, :mod:`puerta.findings.identities`), entrants formed
   (:func:`puerta.draw.fair.form_entrants`), each request given its opaque
   public id, the records and their Merkle root published, merged and
   linked requests stored for review, and groups deferred last time at that
   port given priority.
3. The draw itself (:func:`puerta.draw.service.run_draw`) runs on exactly the
   published records and reveals the seed.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from puerta import frames
from puerta.clock import Clock
from puerta.config import Settings
from puerta.draw import commitment as cm
from puerta.draw import fair
from puerta.draw.models import Deferral, Draw, DrawCommitment, DrawReview
from puerta.errors import (
    DrawNotRunYet,
    DrawUnpublished,
    NothingPublished,
    PoolAlreadyPublished,
    PoolStillOpen,
    SeedCommitmentMismatch,
)
from puerta.findings import identities as findings_identities
from puerta.identity.resolver import PersonResolver
from puerta.lifecycle import RegistrationStatus, RequestStatus
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest
from puerta.requests.service import window_from
from puerta.requests.window import Window

Timings = dict[str, float] | None
"""Where a step's seconds are added (by name), when the caller wants them."""


@contextmanager
def timed(timings: Timings, step: str) -> Iterator[None]:
    """Add the block's wall seconds to ``timings[step]`` (nothing when ``timings`` is None)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[step] = timings.get(step, 0.0) + time.perf_counter() - start


def window_opens_at(window: Window, pool_date: date) -> datetime:
    """When the request window of ``pool_date`` opens (the day before, when it spans midnight)."""
    day = pool_date - timedelta(days=1) if window.opens > window.closes else pool_date
    return datetime.combine(day, window.opens, tzinfo=window.zone)


def entrant_key(settings: Settings) -> bytes:
    """The HMAC key of public entrant ids, derived from the deployment's secret key."""
    return hashlib.sha256(b"puerta-entrant-key|" + settings.secret_key.encode()).digest()


def public_id_of(request: AppointmentRequest, settings: Settings) -> str:
    """A request's public entrant id (stored at pool close; the same value before)."""
    return request.public_id or cm.public_id(entrant_key(settings), request.pool_date, request.id)


def get_commitment(session: Session, pool_date: date) -> DrawCommitment | None:
    return session.scalar(select(DrawCommitment).where(DrawCommitment.pool_date == pool_date))


def commit(
    session: Session,
    *,
    pool_date: date,
    settings: Settings,
    clock: Clock,
    seed: bytes | None = None,
    beacon_round: str | None = None,
) -> DrawCommitment:
    """Publish the seed commitment of ``pool_date``; an existing one is returned unchanged.

    A given ``seed`` (the demo's, a test's) must match an existing
    commitment: a published commitment is never replaced.
    """
    found = get_commitment(session, pool_date)
    if found is not None:
        if seed is not None and cm.commit(seed, pool_date) != found.seed_commitment:
            raise SeedCommitmentMismatch(pool_date=pool_date)
        return found
    seed = seed if seed is not None else secrets.token_bytes(32)
    row = DrawCommitment(
        pool_date=pool_date,
        seed_commitment=cm.commit(seed, pool_date),
        seed_hex=seed.hex(),
        committed_at=clock.now(),
        window_opens_at=window_opens_at(window_from(settings), pool_date),
        beacon_round=beacon_round,
    )
    session.add(row)
    session.flush()
    return row


def commit_upcoming(session: Session, *, settings: Settings, clock: Clock) -> list[date]:
    """Commit the next window's pool date (and the open one, late, if it was missed)."""
    window = window_from(settings)
    now = clock.now()
    wanted = [window.pool_date(now), window.pool_date(window.next_opening(now))]
    done = []
    for pool_date in dict.fromkeys(d for d in wanted if d is not None):
        if get_commitment(session, pool_date) is None:
            commit(session, pool_date=pool_date, settings=settings, clock=clock)
            done.append(pool_date)
    return done


def _pooled(pool_date: date) -> tuple[Any, ...]:
    """The pooled requests of ``pool_date`` of active registrations (join Registration)."""
    return (
        AppointmentRequest.pool_date == pool_date,
        AppointmentRequest.status == RequestStatus.POOLED.value,
        Registration.status == RegistrationStatus.ACTIVE.value,
    )


def _in_pool(pool_date: date) -> Select[tuple[str]]:
    """The registrations of ``pool_date``'s pool, as a subquery."""
    return (
        select(AppointmentRequest.registration_id)
        .join(Registration, Registration.id == AppointmentRequest.registration_id)
        .where(*_pooled(pool_date))
    )


def _pool_frames(session: Session, pool_date: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The pooled requests of active registrations, and their travelers' identities.

    Column-wise (:func:`puerta.frames.frame`: ``COPY`` on PostgreSQL), never
    an ORM object per request: a day's pool is a million rows.
    """
    requests = frames.frame(
        session,
        select(
            AppointmentRequest.id.label("request_id"),
            AppointmentRequest.registration_id,
            AppointmentRequest.port_code,
            frames.instant(session, Registration.created_at).label("registered_at"),
            AppointmentRequest.priority,
        )
        .join(Registration, Registration.id == AppointmentRequest.registration_id)
        .where(*_pooled(pool_date)),
        {
            "request_id": pl.Int64,
            "registration_id": pl.Utf8,
            "port_code": pl.Utf8,
            "registered_at": frames.INSTANT,
            "priority": pl.Boolean,
        },
    ).sort("request_id")
    travelers = frames.frame(
        session,
        select(
            AppointmentRequest.id.label("request_id"),
            Traveler.registration_id,
            Traveler.position.label("traveler_index"),
            Traveler.given_names,
            Traveler.family_names,
            Traveler.date_of_birth,
            Traveler.sex,
        )
        .join(Registration, Registration.id == AppointmentRequest.registration_id)
        .join(Traveler, Traveler.registration_id == AppointmentRequest.registration_id)
        .where(*_pooled(pool_date)),
        {
            "request_id": pl.Int64,
            "registration_id": pl.Utf8,
            "traveler_index": pl.Int64,
            "given_names": pl.Utf8,
            "family_names": pl.Utf8,
            "date_of_birth": pl.Date,
            "sex": pl.Utf8,
        },
    ).sort("request_id", "traveler_index")
    return requests, travelers


def resolve_persons(travelers: pl.DataFrame, resolver: PersonResolver) -> pl.DataFrame:
    """``request_id``, ``person``: one person number per traveler row, from the resolver.

    Two lookalike travelers of one request stay two persons: that rule lives
    in :func:`puerta.draw.fair.form_entrants`.
    """
    person = resolver.resolve(travelers).astype(np.int64)
    return pl.DataFrame({"request_id": travelers["request_id"], "person": person})


def _apply_priority(session: Session, requests: pl.DataFrame, pool_date: date) -> pl.DataFrame:
    """Requests of groups deferred by an earlier draw at the same port go first; once.

    Returns ``requests`` with ``priority`` set for them; their deferrals are spent.
    """
    open_deferrals = session.execute(
        select(Deferral.id, Deferral.registration_id, Deferral.port_code)
        .where(
            Deferral.used_on.is_(None),
            Deferral.deferred_on < pool_date,
            Deferral.registration_id.in_(_in_pool(pool_date)),
        )
        .order_by(Deferral.id)
    ).all()
    by_key = {(reg, port): did for did, reg, port in open_deferrals}
    if not by_key:
        return requests
    keys = pl.DataFrame(
        [(reg, port, did) for (reg, port), did in by_key.items()],
        schema={"registration_id": pl.Utf8, "port_code": pl.Utf8, "deferral_id": pl.Int64},
        orient="row",
    )
    matched = requests.join(
        keys, on=["registration_id", "port_code"], how="left", maintain_order="left"
    )
    used = matched["deferral_id"].drop_nulls().unique().to_list()
    if used:
        session.execute(update(Deferral).where(Deferral.id.in_(used)).values(used_on=pool_date))
    return requests.with_columns(priority=pl.col("priority") | matched["deferral_id"].is_not_null())


def close_pool(
    session: Session,
    *,
    pool_date: date,
    settings: Settings,
    clock: Clock,
    resolver: PersonResolver | None = None,
    timings: Timings = None,
) -> DrawCommitment:
    """Resolve the closed pool to entrants and publish its records and Merkle root.

    Each pooled request gets its public id (and, when deferred last time at
    its port, its priority). ``timings``: each step's seconds are added there
    (``load``, ``public ids``, ``persons``, ``publish``, ``reviews``,
    ``requests``).
    """
    row, pooled = close_pool_unstored(
        session,
        pool_date=pool_date,
        settings=settings,
        clock=clock,
        resolver=resolver,
        timings=timings,
    )
    with timed(timings, "requests"):
        store_pooled(session, pooled)
    return row


def close_pool_unstored(
    session: Session,
    *,
    pool_date: date,
    settings: Settings,
    clock: Clock,
    resolver: PersonResolver | None = None,
    timings: Timings = None,
) -> tuple[DrawCommitment, pl.DataFrame]:
    """:func:`close_pool` but for the requests' own rows: those the caller writes.

    Returns the commitment and the pooled requests (``request_id``,
    ``public_id``, ``priority``, ...), for :func:`store_pooled`. Why: the draw
    that closes its own pool (:func:`puerta.draw.service.run_draw`) writes
    each request once, public id and answer together, instead of a million
    rows twice.
    """
    now = clock.now()
    closes = window_from(settings).closes_at(pool_date)
    if now < closes:
        raise PoolStillOpen(pool_date=pool_date, closes_at=closes)
    row = get_commitment(session, pool_date) or commit(
        session, pool_date=pool_date, settings=settings, clock=clock
    )
    if row.pool_published_at is not None:
        raise PoolAlreadyPublished(pool_date=pool_date)
    with timed(timings, "load"):
        session.flush()
        requests, travelers = _pool_frames(session, pool_date)
    with timed(timings, "public ids"):
        requests = _apply_priority(session, requests, pool_date)
        key = entrant_key(settings)
        requests = requests.with_columns(
            public_id=pl.Series(
                cm.public_ids(key, pool_date, requests["request_id"].to_list()), dtype=pl.Utf8
            )
        )
    with timed(timings, "persons"):
        if resolver is None:
            resolver = findings_identities.draw_resolver(session, _in_pool(pool_date))
        persons = resolve_persons(travelers, resolver)
        del travelers
    with timed(timings, "publish"):
        entrants = fair.form_entrants(requests, persons)
        records = cm.records(entrants)
        row.records = records
        row.pool_root = cm.merkle_root(records).hex()
        row.pool_size = requests.height
        row.pool_published_at = now
    with timed(timings, "reviews"):
        _store_reviews(session, entrants, requests, pool_date, now)
        session.flush()
    return row, requests


def store_pooled(
    session: Session, pooled: pl.DataFrame, *, answered: tuple[str, str] | None = None
) -> None:
    """Write each pooled request's public id and priority, in bulk.

    ``answered`` (``(from status, to status)``): also move each of them still
    in the first status to the second (the draw's "not selected"). Objects of
    those requests already in the session are expired, so they read the
    stored values back.
    """
    frames.update_by_id(
        session,
        AppointmentRequest.__table__,
        pooled.select(pl.col("request_id").alias("id"), "public_id", "priority"),
        replace={"status": answered} if answered is not None else {},
    )
    if not len(session.identity_map):
        return
    ids = set(pooled["request_id"].to_list())
    stale = ["public_id", "priority", *(["status"] if answered is not None else [])]
    for obj in list(session.identity_map.values()):
        if isinstance(obj, AppointmentRequest) and obj.id in ids:
            session.expire(obj, stale)


def _store_reviews(
    session: Session,
    entrants: fair.Entrants,
    requests: pl.DataFrame,
    pool_date: date,
    now: datetime,
) -> None:
    """The merged and linked requests, for review: one ``draw_reviews`` row each, in bulk."""
    registration_of = requests.select("request_id", "registration_id")
    rows = (
        entrants.members.filter(pl.col("role") != "entrant")
        .select("request_id", "anchor", "role", "travelers", "seats")
        .join(registration_of, on="request_id", how="left", maintain_order="left")
        .join(
            registration_of.rename(
                {"request_id": "anchor", "registration_id": "into_registration_id"}
            ),
            on="anchor",
            how="left",
            maintain_order="left",
        )
        .select(
            pl.lit(pool_date).alias("pool_date"),
            "request_id",
            "registration_id",
            pl.col("anchor").alias("into_request_id"),
            "into_registration_id",
            "role",
            "travelers",
            "seats",
            pl.lit(now).cast(frames.INSTANT).alias("created_at"),
        )
    )
    frames.insert(session, DrawReview.__table__, rows)


def reviews(session: Session, pool_date: date) -> list[DrawReview]:
    """The merged and linked requests of a pool date, for analysts."""
    return list(
        session.scalars(
            select(DrawReview)
            .where(DrawReview.pool_date == pool_date)
            .order_by(DrawReview.request_id)
        )
    )


def _iso(at: datetime | None) -> str:
    return at.isoformat() if at is not None else ""


def artefacts(session: Session, pool_date: date) -> dict[str, Any]:
    """What is public about ``pool_date`` so far: commitment, then pool, then result.

    ``status``: ``committed``, ``pool_published`` or ``drawn``. The seed is
    only in a drawn day's artefacts. After the draw, the dictionary is a
    :class:`~puerta.draw.commitment.PublishedDraw` plus ``status``.
    """
    row = get_commitment(session, pool_date)
    draw = session.scalar(select(Draw).where(Draw.pool_date == pool_date))
    if row is None:
        raise NothingPublished(pool_date=pool_date)
    if draw is not None and draw.result is None:
        raise DrawUnpublished(pool_date=pool_date, algorithm=draw.algorithm)
    out: dict[str, Any] = {
        "status": "committed",
        "pool_date": pool_date.isoformat(),
        "algorithm": fair.NAME,
        "seed_commitment": row.seed_commitment,
        "window_opens_at": _iso(row.window_opens_at),
        "commitment_published_at": _iso(row.committed_at),
        "beacon_round": row.beacon_round or "",
    }
    if row.pool_published_at is not None:
        out |= {
            "status": "pool_published",
            "pool_root": row.pool_root,
            "records": row.records,
            "pool_published_at": _iso(row.pool_published_at),
        }
    if draw is not None:
        out |= {
            "status": "drawn",
            "seed_hex": draw.seed_hex,
            "beacon_hex": draw.beacon_hex,
            "capacity": draw.params["capacity"],
            "seniority_share": draw.params["seniority_share"],
            "selected": draw.result,
            "deferred": draw.deferred or [],
            "seed_revealed_at": _iso(draw.seed_revealed_at),
            "warnings": draw.warnings,
        }
    return out


def published_draw(session: Session, pool_date: date) -> cm.PublishedDraw:
    """A drawn day's artefacts as the verifier reads them."""
    data = artefacts(session, pool_date)
    if data["status"] != "drawn":
        raise DrawNotRunYet(pool_date=pool_date)
    return cm.PublishedDraw.from_json(cm.json.dumps(data))


def verify_day(session: Session, pool_date: date) -> cm.Verification:
    """Recompute ``pool_date``'s draw from what was published, as a third party would."""
    return cm.verify(published_draw(session, pool_date))
