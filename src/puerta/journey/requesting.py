"""Asking for an appointment: joining today's pool unless a later step already holds one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.draw import service as draw_service
from puerta.errors import AlreadyBooked, AlreadySelected, AskedElsewhere
from puerta.registration.models import Registration
from puerta.requests import service as requests_service
from puerta.requests.models import AppointmentRequest
from puerta.requests.schemas import RequestIn


def request_appointment(
    session: Session,
    *,
    registration: Registration,
    data: RequestIn,
    settings: Settings,
    clock: Clock,
    ip: str | None = None,
) -> AppointmentRequest:
    """Join today's pool; asking again in the same window returns the same request.

    The rules, in order: the registration is active and the window open
    (``requests``); a request already in this pool is returned as it is (for
    another port: refused, saying which port the day's request is for); an
    open offer (``draw``) or a booked appointment (``confirmation``) refuses a
    new one; then photos, port and location (``requests``).
    """
    pool_date, existing = requests_service.pool_for(
        session, registration=registration, settings=settings, clock=clock
    )
    if existing is not None:
        if existing.port_code != data.port_code.upper():
            # A retry returns the request; another port is not a retry: say it was not taken.
            raise AskedElsewhere(port_code=existing.port_code, field="port_code")
        return existing
    if draw_service.open_offer(session, registration.id) is not None:
        raise AlreadySelected()
    if confirmation_service.has_booked(session, registration.id):
        raise AlreadyBooked()
    return requests_service.join_pool(
        session,
        registration=registration,
        pool_date=pool_date,
        data=data,
        settings=settings,
        clock=clock,
        ip=ip,
    )
