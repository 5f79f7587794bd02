"""Appointment requests: joining the day's pool."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from puerta import lifecycle
from puerta.clock import Clock
from puerta.config import Settings
from puerta.errors import (
    PhotosMissing,
    RegistrationCannotRequest,
    RequestOutsideArea,
    WindowClosed,
)
from puerta.geo.area import is_eligible
from puerta.lifecycle import RegistrationStatus, RequestStatus
from puerta.ports import service as ports_service
from puerta.registration.models import Registration
from puerta.registration.service import is_complete
from puerta.requests.models import AppointmentRequest
from puerta.requests.schemas import RequestIn
from puerta.requests.window import Window


def window_from(settings: Settings) -> Window:
    return Window(settings.timezone, settings.window_opens, settings.window_closes)


def pool_for(
    session: Session, *, registration: Registration, settings: Settings, clock: Clock
) -> tuple[date, AppointmentRequest | None]:
    """The pool a request made now joins, and the registration's request in it if any.

    Refuses a registration that is not active, and a closed window. Whether a
    later step (an open offer, a booked appointment) stands in the way is the
    journey's question: ``puerta.journey.requesting``.
    """
    if registration.status != RegistrationStatus.ACTIVE.value:
        raise RegistrationCannotRequest(state=RegistrationStatus(registration.status))
    now = clock.now()
    window = window_from(settings)
    pool_date = window.pool_date(now)
    if pool_date is None:
        opens = window.next_opening(now)
        raise WindowClosed(opens_at=opens, timezone=settings.timezone)
    return pool_date, _in_pool(session, registration.id, pool_date)


def _in_pool(session: Session, registration_id: str, pool_date: date) -> AppointmentRequest | None:
    return session.scalar(
        select(AppointmentRequest).where(
            AppointmentRequest.registration_id == registration_id,
            AppointmentRequest.pool_date == pool_date,
        )
    )


def join_pool(
    session: Session,
    *,
    registration: Registration,
    pool_date: date,
    data: RequestIn,
    settings: Settings,
    clock: Clock,
    ip: str | None = None,
) -> AppointmentRequest:
    """Add the registration's request to ``pool_date``'s pool (photos, port, location)."""
    if not is_complete(registration):
        missing = [t.position for t in registration.travelers if not t.photo_sha256]
        raise PhotosMissing(positions=missing, field="travelers")
    port = ports_service.get_port(session, data.port_code)
    if not is_eligible(data.latitude, data.longitude, settings.eligible_area_wkt):
        raise RequestOutsideArea(field="latitude")
    request = AppointmentRequest(
        registration_id=registration.id,
        pool_date=pool_date,
        port_code=port.code,
        latitude=data.latitude,
        longitude=data.longitude,
        created_at=clock.now(),
        device_id=data.device_id,
        accuracy_m=data.accuracy_m,
        ip=ip,
    )
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError:  # the same request raced in from another tab
        found = _in_pool(session, registration.id, pool_date)
        if found is None:
            raise
        return found
    return request


def latest_request(session: Session, registration_id: str) -> AppointmentRequest | None:
    """The registration's request for the most recent pool date."""
    return session.scalar(
        select(AppointmentRequest)
        .where(AppointmentRequest.registration_id == registration_id)
        .order_by(AppointmentRequest.pool_date.desc())
        .limit(1)
    )


def withdraw_pooled(session: Session, registration_id: str) -> None:
    """Take the registration's requests still waiting for a draw out of their pools."""
    for request in session.scalars(
        select(AppointmentRequest).where(
            AppointmentRequest.registration_id == registration_id,
            AppointmentRequest.status == RequestStatus.POOLED.value,
        )
    ):
        lifecycle.move(request, RequestStatus.WITHDRAWN)


def requests_for(session: Session, registration: Registration) -> list[AppointmentRequest]:
    return list(
        session.scalars(
            select(AppointmentRequest)
            .where(AppointmentRequest.registration_id == registration.id)
            .order_by(AppointmentRequest.pool_date.desc())
        )
    )
