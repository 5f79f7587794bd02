"""Editing travelers: allowed while the registration is active and nothing is booked.

A booked appointment fixes who travels (the port has them on its list), so
it locks the travelers; that is confirmation's fact, asked of its service.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.confirmation import service as confirmation_service
from puerta.errors import TravelersLockedByAppointment
from puerta.registration import service as registration_service
from puerta.registration.models import Photo, Registration, Traveler
from puerta.registration.photos import CheckedPhoto, PhotoStore
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


def ensure_photo_allowed(session: Session, *, registration: Registration, position: int) -> None:
    """The checks that come before a photo is even decoded (same order as before)."""
    _ensure_unlocked(session, registration)
    registration_service.ensure_photo_editable(registration, position)


def set_photo(
    session: Session,
    *,
    registration: Registration,
    position: int,
    checked: CheckedPhoto,
    store: PhotoStore,
    clock: Clock,
) -> Photo:
    _ensure_unlocked(session, registration)
    return registration_service.set_photo(
        session,
        registration=registration,
        position=position,
        checked=checked,
        store=store,
        clock=clock,
    )
