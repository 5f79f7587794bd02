"""Editing travelers: allowed while the registration is active and nothing is booked.

A booked appointment fixes who travels (the port has them on its list), so
it locks the travelers; that is confirmation's fact, asked of its service.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.errors import TravelersLockedByAppointment
from puerta.registration import service as registration_service
from puerta.registration.models import Photo, Registration, Traveler
from puerta.registration.photos import PhotoStore
from puerta.registration.schemas import TravelerIn


def _ensure_unlocked(session: Session, registration: Registration) -> None:
    registration_service.ensure_editable(registration)
    if confirmation_service.has_booked(session, registration.id):
        raise TravelersLockedByAppointment()


def update_traveler(
    session: Session,
    *,
    registration: Registration,
    position: int,
    data: TravelerIn,
    clock: Clock,
) -> Traveler:
    _ensure_unlocked(session, registration)
    return registration_service.update_traveler(
        session, registration=registration, position=position, data=data, clock=clock
    )


def set_photo(
    session: Session,
    *,
    registration: Registration,
    position: int,
    data: bytes,
    store: PhotoStore,
    settings: Settings,
    clock: Clock,
) -> Photo:
    _ensure_unlocked(session, registration)
    return registration_service.set_photo(
        session,
        registration=registration,
        position=position,
        data=data,
        store=store,
        settings=settings,
        clock=clock,
    )
