"""What an officer sees: the arrivals of their port, and lookup by code."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.accounts.models import Role, User
from puerta.confirmation.models import Appointment
from puerta.errors import AppointmentCodeNotFound, OutsidePortScope
from puerta.ids import normalise_code


def ensure_port_scope(user: User, port_code: str) -> None:
    """Officers see only their own port; analysts and admins see all ports."""
    if user.role in (Role.ANALYST.value, Role.ADMIN.value):
        return
    if user.role == Role.OFFICER.value and user.port_code == port_code.upper():
        return
    raise OutsidePortScope()


def list_for_port(session: Session, *, user: User, port_code: str, day: date) -> list[Appointment]:
    ensure_port_scope(user, port_code)
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.port_code == port_code.upper(), Appointment.day == day)
            .order_by(Appointment.slot_start, Appointment.id)
        )
    )


def find_by_code(session: Session, *, user: User, code: str) -> Appointment:
    appointment = session.scalar(
        select(Appointment).where(Appointment.code == normalise_code(code))
    )
    # Another port's code reads as "not found" to an officer, so codes cannot be probed.
    if appointment is None:
        raise AppointmentCodeNotFound(field="code")
    try:
        ensure_port_scope(user, appointment.port_code)
    except OutsidePortScope:
        raise AppointmentCodeNotFound(field="code") from None
    return appointment
