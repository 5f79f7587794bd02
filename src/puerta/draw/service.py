"""Running a day's draw: build the pool, call a pure draw, persist the offers."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from puerta import lifecycle
from puerta.clock import Clock
from puerta.config import Settings
from puerta.draw import baseline
from puerta.draw.models import Draw, Selection
from puerta.draw.pool import PoolEntry
from puerta.errors import Conflict, NotFound
from puerta.lifecycle import RegistrationStatus, RequestStatus
from puerta.ports import service as ports_service
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest
from puerta.requests.service import window_from


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


def run_draw(
    session: Session,
    *,
    pool_date: date,
    settings: Settings,
    clock: Clock,
    seed: bytes | None = None,
    appointment_date: date | None = None,
) -> Draw:
    """Draw ``pool_date``'s pool once; a day that has been drawn is never drawn again."""
    if session.scalar(select(Draw.id).where(Draw.pool_date == pool_date)) is not None:
        raise Conflict(f"The draw for {pool_date.isoformat()} has already run; it is final.")
    now = clock.now()
    closes = window_from(settings).closes_at(pool_date)
    if now < closes:
        raise Conflict(
            f"The pool for {pool_date.isoformat()} is open until {closes.isoformat()}; "
            "the draw runs after it closes."
        )
    appointment_date = appointment_date or pool_date + timedelta(
        days=settings.appointment_lead_days
    )
    ports = ports_service.list_ports(session)
    free = {}
    for port in ports:
        ledger = ports_service.port_day(session, port, appointment_date)
        free[port.code] = max(0, ledger.capacity - ledger.offered - ledger.booked)
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
    for pick in picks:
        entry = by_request[pick.request_id]
        ports_service.hold_seats(session, entry.port_code, appointment_date, entry.seats)
        lifecycle.move(requests[pick.request_id], RequestStatus.SELECTED)
        session.add(
            Selection(
                draw_id=draw.id,
                request_id=entry.request_id,
                registration_id=entry.registration_id,
                port_code=entry.port_code,
                appointment_date=appointment_date,
                seats=entry.seats,
                reason=pick.reason,
                deadline=deadline,
                created_at=now,
            )
        )
        draw.seats_offered += entry.seats
    session.flush()
    # Everyone else in the pool was not selected today and may ask again tomorrow.
    session.execute(
        update(AppointmentRequest)
        .where(
            AppointmentRequest.pool_date == pool_date,
            AppointmentRequest.status == RequestStatus.POOLED.value,
        )
        .values(status=RequestStatus.NOT_SELECTED.value)
    )
    return draw


def get_draw(session: Session, pool_date: date) -> Draw:
    draw = session.scalar(select(Draw).where(Draw.pool_date == pool_date))
    if draw is None:
        raise NotFound(f"No draw has run for {pool_date.isoformat()}.")
    return draw


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
