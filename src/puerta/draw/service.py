"""Running a day's draw: the published pool, a pure draw, the offers persisted.

Puerta's draw (``puerta-fair-v1``, the default) runs on the records published
when the pool closed (:mod:`puerta.draw.publication`), so what was published
is exactly what was drawn; the report's baseline stays available by setting.
Every offer's "you were chosen" notice is written to the outbox in the draw's
own transaction, in one bulk insert (:func:`tell_selected`).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from puerta import lifecycle
from puerta.clock import Clock
from puerta.config import Settings
from puerta.draw import baseline, fair, publication
from puerta.draw import commitment as cm
from puerta.draw.models import Deferral, Draw, DrawCommitment, Selection
from puerta.draw.pool import PoolEntry
from puerta.draw.record import parse_many
from puerta.errors import DrawAlreadyRun, DrawNotFound, PoolStillOpen
from puerta.identity.resolver import PersonResolver
from puerta.lifecycle import RegistrationStatus, RequestStatus, SelectionStatus
from puerta.notify import service as notify
from puerta.notify.messages import Kind
from puerta.ports import service as ports_service
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest
from puerta.requests.service import window_from

LOOKUP_CHUNK = 5_000
"""Ids per ``IN`` list (PostgreSQL takes at most 65,535 bound parameters a statement)."""


def load_pool(session: Session, pool_date: date) -> list[PoolEntry]:
    """The day's pooled requests of active registrations, with group sizes."""
    sizes = (
        select(Traveler.registration_id, func.count().label("seats"))
        .group_by(Traveler.registration_id)
        .subquery()
    )
    rows = session.execute(
        select(
            AppointmentRequest.id,
            AppointmentRequest.registration_id,
            AppointmentRequest.port_code,
            sizes.c.seats,
            Registration.created_at,
        )
        .join(Registration, Registration.id == AppointmentRequest.registration_id)
        .join(sizes, sizes.c.registration_id == AppointmentRequest.registration_id)
        .where(
            AppointmentRequest.pool_date == pool_date,
            AppointmentRequest.status == RequestStatus.POOLED.value,
            Registration.status == RegistrationStatus.ACTIVE.value,
        )
        .order_by(AppointmentRequest.id)
    )
    return [PoolEntry(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def _free_seats(session: Session, appointment_date: date) -> dict[str, int]:
    free = {}
    for port in ports_service.list_ports(session):
        ledger = ports_service.port_day(session, port, appointment_date)
        free[port.code] = max(0, ledger.capacity - ledger.offered - ledger.booked)
    return free


def run_draw(
    session: Session,
    *,
    pool_date: date,
    settings: Settings,
    clock: Clock,
    seed: bytes | None = None,
    appointment_date: date | None = None,
    beacon: bytes = b"",
    resolver: PersonResolver | None = None,
    timings: publication.Timings = None,
) -> Draw:
    """Draw ``pool_date``'s pool once; a day that has been drawn is never drawn again.

    The algorithm is ``settings.draw_algorithm``: Puerta's (published and
    verifiable, :mod:`puerta.draw.publication`) or the report's baseline.
    ``seed`` must match a published commitment when one exists. ``timings``
    gets each step's seconds: closing the pool's
    (:func:`~puerta.draw.publication.close_pool`), then ``draw`` and ``offers``.
    """
    if session.scalar(select(Draw.id).where(Draw.pool_date == pool_date)) is not None:
        raise DrawAlreadyRun(pool_date=pool_date)
    now = clock.now()
    closes = window_from(settings).closes_at(pool_date)
    if now < closes:
        raise PoolStillOpen(pool_date=pool_date, closes_at=closes)
    appointment_date = appointment_date or pool_date + timedelta(
        days=settings.appointment_lead_days
    )
    free = _free_seats(session, appointment_date)
    if settings.draw_algorithm == baseline.NAME:
        return _run_baseline(session, pool_date, appointment_date, free, settings, clock, now, seed)
    row = publication.commit(
        session, pool_date=pool_date, settings=settings, clock=clock, seed=seed
    )
    pooled = None  # the pool closed earlier: its requests hold their public ids
    if row.pool_published_at is None:
        # Closed here: each request's row is written once, with its answer (_offer_all).
        row, pooled = publication.close_pool_unstored(
            session,
            pool_date=pool_date,
            settings=settings,
            clock=clock,
            resolver=resolver,
            timings=timings,
        )
    return _run_fair(
        session, row, appointment_date, free, settings, clock, now, beacon, timings, pooled
    )


def _run_fair(
    session: Session,
    row: DrawCommitment,
    appointment_date: date,
    free: dict[str, int],
    settings: Settings,
    clock: Clock,
    now: datetime,
    beacon: bytes,
    timings: publication.Timings = None,
    pooled: pl.DataFrame | None = None,
) -> Draw:
    """Allocate on the published records, persist offers and deferrals, reveal the seed.

    ``pooled``: the pool's requests when :func:`~puerta.draw.publication.close_pool_unstored`
    closed it in this transaction; their public ids are written with their answers.
    """
    with publication.timed(timings, "draw"):
        records = row.records or []
        seed = bytes.fromhex(row.seed_hex)
        randomness = cm.derive_randomness(
            seed, row.pool_date, bytes.fromhex(row.pool_root or ""), beacon
        )
        parsed = parse_many(records)
        entrants = cm.entrants_from_table(parsed)
        alloc = fair.allocate(entrants, free, randomness, settings.seniority_share)
    warnings = []
    if row.late:
        warnings.append(
            "The seed commitment was published after the request window opened "
            f"({row.committed_at.isoformat()} > {row.window_opens_at.isoformat()})."
        )
    if alloc.oversized:
        warnings.append(f"{len(alloc.oversized)} groups larger than their port's seats: staff.")
    draw = Draw(
        pool_date=row.pool_date,
        appointment_date=appointment_date,
        algorithm=fair.NAME,
        seed_hex=row.seed_hex,
        params={"seniority_share": settings.seniority_share, "capacity": free},
        pool_size=row.pool_size or 0,
        seats_offered=0,
        created_at=now,
        seed_commitment=row.seed_commitment,
        commitment_published_at=row.committed_at,
        beacon_round=row.beacon_round,
        beacon_hex=beacon.hex(),
        pool_root=row.pool_root,
        pool_published_at=row.pool_published_at,
        result=dict(alloc.selected),
        deferred=list(alloc.deferred),
        oversized=list(alloc.oversized),
        warnings=warnings,
        seed_revealed_at=now,
        published_at=now,
    )
    with publication.timed(timings, "offers"):
        session.add(draw)
        session.flush()
        offers = _offer_all(session, draw, parsed, alloc, settings, now, pooled)
    with publication.timed(timings, "notices"):
        tell_selected(session, offers, settings=settings, clock=clock)
    return draw


def _offer_all(
    session: Session,
    draw: Draw,
    parsed: pl.DataFrame,
    alloc: fair.Allocation,
    settings: Settings,
    now: datetime,
    pooled: pl.DataFrame | None = None,
) -> list[Selection]:
    """Hold seats for every selected request (the seats its record adds); remember deferrals.

    Then every other request of the pool is not selected (with ``pooled``:
    in the same statement that stores each request's public id). Returns the offers.
    """
    seats_of = _seats_by_request(parsed, alloc.selected)
    requests = _by_public_id(session, draw.pool_date, [*seats_of, *alloc.deferred], pooled)
    deadline = now + timedelta(hours=settings.confirm_hours)
    offers = []
    for public_id, (seats, reason) in seats_of.items():
        request = requests.get(public_id)
        if request is None or request.status != RequestStatus.POOLED.value:
            continue  # withdrawn since the pool closed: its seats stay unused today
        offers.append(_offer(session, draw, request, seats, reason, deadline, now))
    _defer(session, alloc.deferred, draw.pool_date, requests)
    session.flush()
    if pooled is not None:
        answer = (RequestStatus.POOLED.value, RequestStatus.NOT_SELECTED.value)
        publication.store_pooled(session, pooled, answered=answer)
    _not_selected(session, draw.pool_date)
    return offers


def tell_selected(
    session: Session, offers: list[Selection], *, settings: Settings, clock: Clock
) -> None:
    """Each offer's "you were chosen" notice, in the draw's transaction: a draw that
    rolls back announces nothing. One bulk insert however many thousands were chosen."""
    session.flush()  # the offers' ids
    notify.send(
        session,
        [
            notify.Notice(
                registration_id=s.registration_id,
                selection_id=s.id,
                kind=Kind.SELECTED,
                port_code=s.port_code,
                day=s.appointment_date,
                deadline=s.deadline,
            )
            for s in offers
        ],
        settings=settings,
        clock=clock,
    )


def _by_public_id(
    session: Session, pool_date: date, public_ids: list[str], pooled: pl.DataFrame | None
) -> dict[str, AppointmentRequest]:
    """The pool's requests with these public ids (stored, or in ``pooled`` when not yet)."""
    out: dict[str, AppointmentRequest] = {}
    if pooled is None:
        for start in range(0, len(public_ids), LOOKUP_CHUNK):
            part = public_ids[start : start + LOOKUP_CHUNK]
            out |= {
                r.public_id or "": r
                for r in session.scalars(
                    select(AppointmentRequest).where(
                        AppointmentRequest.pool_date == pool_date,
                        AppointmentRequest.public_id.in_(part),
                    )
                )
            }
        return out
    public_of = dict(
        pooled.filter(pl.col("public_id").is_in(public_ids))
        .select("request_id", "public_id")
        .iter_rows()
    )
    ids = list(public_of)
    for start in range(0, len(ids), LOOKUP_CHUNK):
        part = ids[start : start + LOOKUP_CHUNK]
        out |= {
            public_of[r.id]: r
            for r in session.scalars(
                select(AppointmentRequest).where(AppointmentRequest.id.in_(part))
            )
        }
    return out


def _seats_by_request(parsed: pl.DataFrame, selected: dict[str, str]) -> dict[str, tuple[int, str]]:
    """Public request id -> (seats it adds, reason), for the requests of selected entrants.

    ``parsed`` is the pool's records as :func:`puerta.draw.record.parse_many` reads them.
    """
    rows = parsed.filter(pl.col("entrant_id").is_in(list(selected)) & (pl.col("seats") > 0))
    return {
        rid: (seats, selected[eid])
        for rid, eid, seats in rows.select("public_id", "entrant_id", "seats").iter_rows()
    }


def _offer(
    session: Session,
    draw: Draw,
    request: AppointmentRequest,
    seats: int,
    reason: str,
    deadline: datetime,
    now: datetime,
) -> Selection:
    ports_service.hold_seats(session, request.port_code, draw.appointment_date, seats)
    lifecycle.move(request, RequestStatus.SELECTED)
    selection = Selection(
        draw_id=draw.id,
        request_id=request.id,
        registration_id=request.registration_id,
        port_code=request.port_code,
        appointment_date=draw.appointment_date,
        seats=seats,
        reason=reason,
        deadline=deadline,
        created_at=now,
    )
    session.add(selection)
    draw.seats_offered += seats
    return selection


def _defer(
    session: Session,
    deferred: tuple[str, ...],
    pool_date: date,
    requests: dict[str, AppointmentRequest],
) -> None:
    """Remember deferred groups: their next request at that port goes first."""
    for entrant_id in deferred:
        request = requests.get(entrant_id)
        if request is None:
            continue
        session.add(
            Deferral(
                registration_id=request.registration_id,
                port_code=request.port_code,
                deferred_on=pool_date,
                entrant_id=entrant_id,
            )
        )


def _not_selected(session: Session, pool_date: date) -> None:
    """Everyone else in the pool was not selected today and may ask again tomorrow."""
    session.execute(
        update(AppointmentRequest)
        .where(
            AppointmentRequest.pool_date == pool_date,
            AppointmentRequest.status == RequestStatus.POOLED.value,
        )
        .values(status=RequestStatus.NOT_SELECTED.value)
    )


def _run_baseline(
    session: Session,
    pool_date: date,
    appointment_date: date,
    free: dict[str, int],
    settings: Settings,
    clock: Clock,
    now: datetime,
    seed: bytes | None,
) -> Draw:
    """The report's algorithm (``draw_algorithm = oig-baseline``): nothing is published."""
    pool = load_pool(session, pool_date)
    seed = seed if seed is not None else secrets.token_bytes(32)
    picks = baseline.baseline_draw(pool, free, seed, settings.seniority_share)
    draw = Draw(
        pool_date=pool_date,
        appointment_date=appointment_date,
        algorithm=baseline.NAME,
        seed_hex=seed.hex(),
        params={"seniority_share": settings.seniority_share, "capacity": free},
        pool_size=len(pool),
        seats_offered=0,
        created_at=now,
    )
    session.add(draw)
    session.flush()
    by_request = {e.request_id: e for e in pool}
    deadline = now + timedelta(hours=settings.confirm_hours)
    requests = {
        r.id: r
        for r in session.scalars(
            select(AppointmentRequest).where(AppointmentRequest.id.in_(list(by_request)))
        )
    }
    offers = [
        _offer(
            session,
            draw,
            requests[p.request_id],
            by_request[p.request_id].seats,
            p.reason,
            deadline,
            now,
        )
        for p in picks
    ]
    session.flush()
    _not_selected(session, pool_date)
    tell_selected(session, offers, settings=settings, clock=clock)
    return draw


def get_draw(session: Session, pool_date: date) -> Draw:
    draw = session.scalar(select(Draw).where(Draw.pool_date == pool_date))
    if draw is None:
        raise DrawNotFound(pool_date=pool_date)
    return draw


def last_draw_date(session: Session) -> date | None:
    """The pool date of the latest draw, for the start page's "check it yourself"."""
    return session.scalar(select(func.max(Draw.pool_date)))


def open_offers(session: Session, registration_id: str) -> list[Selection]:
    """The registration's offers still waiting for an answer (at most one in practice)."""
    return list(
        session.scalars(
            select(Selection).where(
                Selection.registration_id == registration_id,
                Selection.status == SelectionStatus.OFFERED.value,
            )
        )
    )


def open_offer(session: Session, registration_id: str) -> Selection | None:
    """The registration's offer waiting for an answer, if any."""
    return session.scalar(
        select(Selection).where(
            Selection.registration_id == registration_id,
            Selection.status == SelectionStatus.OFFERED.value,
        )
    )


def latest_selection(session: Session, registration_id: str) -> Selection | None:
    """The registration's most recent selection, whatever became of it."""
    return session.scalar(
        select(Selection)
        .where(Selection.registration_id == registration_id)
        .order_by(Selection.created_at.desc(), Selection.id.desc())
        .limit(1)
    )


def due_pool_dates(session: Session, *, settings: Settings, clock: Clock) -> list[date]:
    """Pool dates whose window has closed, that hold requests and have no draw yet."""
    window = window_from(settings)
    now = clock.now()
    drawn = select(Draw.pool_date)
    candidates = session.scalars(
        select(AppointmentRequest.pool_date)
        .where(AppointmentRequest.pool_date.not_in(drawn))
        .distinct()
        .order_by(AppointmentRequest.pool_date)
    )
    return [d for d in candidates if window.closes_at(d) <= now]
