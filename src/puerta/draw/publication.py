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
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

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


def _pool_frames(
    session: Session, pool_date: date
) -> tuple[list[AppointmentRequest], pl.DataFrame, pl.DataFrame]:
    """The pooled requests of active registrations, and their travelers' identities."""
    rows = session.execute(
        select(AppointmentRequest, Registration.created_at)
        .join(Registration, Registration.id == AppointmentRequest.registration_id)
        .where(
            AppointmentRequest.pool_date == pool_date,
            AppointmentRequest.status == RequestStatus.POOLED.value,
            Registration.status == RegistrationStatus.ACTIVE.value,
        )
        .order_by(AppointmentRequest.id)
    ).all()
    reqs = [r[0] for r in rows]
    requests = pl.DataFrame(
        {
            "request_id": [r.id for r in reqs],
            "registration_id": [r.registration_id for r in reqs],
            "port_code": [r.port_code for r in reqs],
            "registered_at": [at for _, at in rows],
        },
        schema_overrides={"request_id": pl.Int64, "registration_id": pl.Utf8, "port_code": pl.Utf8},
    )
    trav = session.execute(
        select(
            AppointmentRequest.id,
            Traveler.registration_id,
            Traveler.position,
            Traveler.given_names,
            Traveler.family_names,
            Traveler.date_of_birth,
            Traveler.sex,
        )
        .join(Traveler, Traveler.registration_id == AppointmentRequest.registration_id)
        .where(AppointmentRequest.id.in_([r.id for r in reqs]))
        .order_by(AppointmentRequest.id, Traveler.position)
    ).all()
    travelers = pl.DataFrame(
        [tuple(t) for t in trav],
        schema={
            "request_id": pl.Int64,
            "registration_id": pl.Utf8,
            "traveler_index": pl.Int64,
            "given_names": pl.Utf8,
            "family_names": pl.Utf8,
            "date_of_birth": pl.Date,
            "sex": pl.Utf8,
        },
        orient="row",
    )
    return reqs, requests, travelers


def resolve_persons(travelers: pl.DataFrame, resolver: PersonResolver) -> pl.DataFrame:
    """``request_id``, ``person``: one person number per traveler row, from the resolver.

    Two lookalike travelers of one request stay two persons: that rule lives
    in :func:`puerta.draw.fair.form_entrants`.
    """
    person = resolver.resolve(travelers).astype(np.int64)
    return pl.DataFrame({"request_id": travelers["request_id"], "person": person})


def _apply_priority(session: Session, reqs: list[AppointmentRequest], pool_date: date) -> None:
    """Requests of groups deferred by an earlier draw at the same port go first; once."""
    open_deferrals = session.scalars(
        select(Deferral).where(
            Deferral.used_on.is_(None),
            Deferral.deferred_on < pool_date,
            Deferral.registration_id.in_({r.registration_id for r in reqs}),
        )
    ).all()
    by_key = {(d.registration_id, d.port_code): d for d in open_deferrals}
    for request in reqs:
        deferral = by_key.get((request.registration_id, request.port_code))
        if deferral is not None:
            request.priority = True
            deferral.used_on = pool_date


def close_pool(
    session: Session,
    *,
    pool_date: date,
    settings: Settings,
    clock: Clock,
    resolver: PersonResolver | None = None,
) -> DrawCommitment:
    """Resolve the closed pool to entrants and publish its records and Merkle root."""
    now = clock.now()
    closes = window_from(settings).closes_at(pool_date)
    if now < closes:
        raise PoolStillOpen(pool_date=pool_date, closes_at=closes)
    row = get_commitment(session, pool_date) or commit(
        session, pool_date=pool_date, settings=settings, clock=clock
    )
    if row.pool_published_at is not None:
        raise PoolAlreadyPublished(pool_date=pool_date)
    reqs, requests, travelers = _pool_frames(session, pool_date)
    _apply_priority(session, reqs, pool_date)
    key = entrant_key(settings)
    for request in reqs:
        request.public_id = cm.public_id(key, pool_date, request.id)
    requests = requests.with_columns(
        public_id=pl.Series([r.public_id for r in reqs], dtype=pl.Utf8),
        priority=pl.Series([r.priority for r in reqs], dtype=pl.Boolean),
    )
    if resolver is None:
        resolver = findings_identities.draw_resolver(session, requests["registration_id"].to_list())
    persons = resolve_persons(travelers, resolver)
    entrants = fair.form_entrants(requests, persons)
    records = cm.records(entrants)
    row.records = records
    row.pool_root = cm.merkle_root(records).hex()
    row.pool_size = len(reqs)
    row.pool_published_at = now
    _store_reviews(session, entrants, requests, pool_date, now)
    session.flush()
    return row


def _store_reviews(
    session: Session,
    entrants: fair.Entrants,
    requests: pl.DataFrame,
    pool_date: date,
    now: datetime,
) -> None:
    registration_of = dict(requests.select("request_id", "registration_id").iter_rows())
    for rid, anchor, role, travelers, seats in (
        entrants.members.filter(pl.col("role") != "entrant")
        .select("request_id", "anchor", "role", "travelers", "seats")
        .iter_rows()
    ):
        session.add(
            DrawReview(
                pool_date=pool_date,
                request_id=rid,
                registration_id=registration_of[rid],
                into_request_id=anchor,
                into_registration_id=registration_of[anchor],
                role=role,
                travelers=travelers,
                seats=seats,
                created_at=now,
            )
        )


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
