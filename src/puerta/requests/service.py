"""Appointment requests: joining the day's pool."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation.models import Appointment
from puerta.draw.models import Selection
from puerta.errors import (
    AlreadyBooked,
    AlreadySelected,
    PhotosMissing,
    RegistrationCannotRequest,
    RequestOutsideArea,
    WindowClosed,
)
from puerta.geo.area import is_eligible
from puerta.lifecycle import AppointmentStatus, RegistrationStatus, SelectionStatus
from puerta.ports import service as ports_service
from puerta.registration.models import Registration
from puerta.registration.service import is_complete
from puerta.requests.models import AppointmentRequest
from puerta.requests.schemas import RequestIn
from puerta.requests.window import Window


def window_from(settings: Settings) -> Window:
    return Window(settings.timezone, settings.window_opens, settings.window_closes)


def request_appointment(
    session: Session,
    *,
    registration: Registration,
    data: RequestIn,
    settings: Settings,
    clock: Clock,
    ip: str | None = None,
) -> AppointmentRequest:
    """Join today's pool; asking again in the same window returns the same request."""
    if registration.status != RegistrationStatus.ACTIVE.value:
        raise RegistrationCannotRequest(state=RegistrationStatus(registration.status))
    now = clock.now()
    window = window_from(settings)
    pool_date = window.pool_date(now)
    if pool_date is None:
        opens = window.next_opening(now)
        raise WindowClosed(opens_at=opens, timezone=settings.timezone)
    existing = session.scalar(
        select(AppointmentRequest).where(
            AppointmentRequest.registration_id == registration.id,
            AppointmentRequest.pool_date == pool_date,
        )
    )
    if existing is not None:
        return existing
    _refuse_if_already_chosen(session, registration)
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
        created_at=now,
        device_id=data.device_id,
        ip=ip,
    )
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError:  # the same request raced in from another tab
        found = session.scalar(
            select(AppointmentRequest).where(
                AppointmentRequest.registration_id == registration.id,
                AppointmentRequest.pool_date == pool_date,
            )
        )
        if found is None:
            raise
        return found
    return request


def _refuse_if_already_chosen(session: Session, registration: Registration) -> None:
    offered = session.scalar(
        select(Selection.id).where(
            Selection.registration_id == registration.id,
            Selection.status == SelectionStatus.OFFERED.value,
        )
    )
    if offered is not None:
        raise AlreadySelected()
    booked = session.scalar(
        select(Appointment.id).where(
            Appointment.registration_id == registration.id,
            Appointment.status == AppointmentStatus.BOOKED.value,
        )
    )
    if booked is not None:
        raise AlreadyBooked()


def requests_for(session: Session, registration: Registration) -> list[AppointmentRequest]:
    return list(
        session.scalars(
            select(AppointmentRequest)
            .where(AppointmentRequest.registration_id == registration.id)
            .order_by(AppointmentRequest.pool_date.desc())
        )
    )
