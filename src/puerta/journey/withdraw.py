"""Withdrawing a registration: its open request, offer and appointment end with it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.draw import service as draw_service
from puerta.lifecycle import SelectionStatus
from puerta.registration import service as registration_service
from puerta.registration.models import Registration
from puerta.requests import service as requests_service


def withdraw(
    session: Session, *, registration: Registration, settings: Settings, clock: Clock
) -> Registration:
    """Withdraw a registration, its pooled requests, its offer (seats back) and appointment;
    an offer or appointment that ends is told to the person (``notify``)."""
    registration_service.mark_withdrawn(registration, clock=clock)
    requests_service.withdraw_pooled(session, registration.id)
    for selection in draw_service.open_offers(session, registration.id):
        confirmation_service.release_offer(
            session,
            selection=selection,
            status=SelectionStatus.WITHDRAWN,
            settings=settings,
            clock=clock,
        )
    confirmation_service.cancel_booked_for(
        session, registration=registration, settings=settings, clock=clock
    )
    return registration
