"""What an officer sees: the arrivals of their port, and lookup by code.

Who may see a port is declared on the routes (``PortScope``); lookup by code
applies the same scope to the appointment's port.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from puerta.accounts import service as accounts_service
from puerta.accounts.models import User
from puerta.confirmation.models import Appointment
from puerta.errors import AppointmentCodeNotFound
from puerta.ids import normalise_code
from puerta.registration.models import Registration


def list_for_port(session: Session, *, port_code: str, day: date) -> list[Appointment]:
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.port_code == port_code.upper(), Appointment.day == day)
            .order_by(Appointment.slot_start, Appointment.id)
        )
    )


def registrations_with_travelers(
    session: Session, registration_ids: Sequence[str]
) -> dict[str, Registration]:
    """The registrations of a day's arrivals and their travelers, in two statements.

    Why: loaded one by one, a port's list cost two statements per arrival (the
    registration, then its travelers); a busy port has hundreds a day.
    """
    out: dict[str, Registration] = {}
    for start in range(0, len(registration_ids), 1000):
        part = list(registration_ids[start : start + 1000])
        query = (
            select(Registration)
            .where(Registration.id.in_(part))
            .options(selectinload(Registration.travelers))
        )
        out |= {r.id: r for r in session.scalars(query)}
    return out


def find_by_code(session: Session, *, user: User, code: str) -> Appointment:
    appointment = session.scalar(
        select(Appointment).where(Appointment.code == normalise_code(code))
    )
    # Another port's code reads as "not found" to an officer, so codes cannot be probed.
    if appointment is None or not accounts_service.sees_port(user, appointment.port_code):
        raise AppointmentCodeNotFound(field="code")
    return appointment
