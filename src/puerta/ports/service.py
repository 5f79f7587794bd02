"""Ports, their seats per day, and what an officer sees of their port."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from puerta.config import Settings
from puerta.errors import NoSeatsFree, PortNotFound, SeatsJustTaken, SeatsNotReleased
from puerta.ports import catalogue
from puerta.ports.models import Port, PortDay


def catalogue_values(entry: catalogue.CataloguePort, daily_capacity: int) -> dict[str, Any]:
    """The column values of a new :class:`Port` row for a catalogue entry.

    The one mapping from the catalogue to the table, for the ORM path
    (:func:`ensure_ports`) and the bulk importer's
    (:func:`puerta.dataset.ports.insert_missing_ports`) alike.
    """
    return {
        "code": entry.code,
        "name": entry.name,
        "address": entry.address,
        "city": entry.city,
        "state": entry.state,
        "zip_code": entry.zip_code,
        "timezone": entry.timezone,
        "daily_capacity": daily_capacity,
        "opens_at": entry.opens_at,
        "closes_at": entry.closes_at,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
        "is_active": True,
    }


def ensure_ports(session: Session, settings: Settings) -> list[Port]:
    """Create the configured ports if missing and align their capacity with settings."""
    caps = settings.port_capacity()
    ports = []
    for entry in catalogue.PORTS:
        if entry.code not in caps:
            continue
        port = session.get(Port, entry.code)
        if port is None:
            port = Port(**catalogue_values(entry, caps[entry.code]))
            session.add(port)
        else:
            port.daily_capacity = caps[entry.code]
        ports.append(port)
    session.flush()
    return ports


def list_ports(session: Session) -> list[Port]:
    return list(session.scalars(select(Port).where(Port.is_active).order_by(Port.code)))


def get_port(session: Session, code: str) -> Port:
    port = session.get(Port, code.upper())
    if port is None or not port.is_active:
        raise PortNotFound(port_code=code, field="port_code")
    return port


def port_day(session: Session, port: Port, day: date) -> PortDay:
    """The seat ledger for a port-day, created on first use with the port's capacity."""
    ledger = session.get(PortDay, (port.code, day))
    if ledger is None:
        ledger = PortDay(port_code=port.code, day=day, capacity=port.daily_capacity)
        session.add(ledger)
        session.flush()
    return ledger


def hold_seats(session: Session, port_code: str, day: date, seats: int) -> None:
    """Hold seats for an offer; refuse if they are not free."""
    result = session.execute(
        update(PortDay)
        .where(
            PortDay.port_code == port_code,
            PortDay.day == day,
            PortDay.offered + PortDay.booked + seats <= PortDay.capacity,
        )
        .values(offered=PortDay.offered + seats)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NoSeatsFree(seats=seats, port_code=port_code, day=day)


def book_held_seats(session: Session, port_code: str, day: date, seats: int) -> None:
    """Turn held seats into booked ones in one guarded UPDATE.

    The WHERE clause is the overbooking guard: two confirmations racing for the
    last seats both try it, and the database lets only one match.
    """
    result = session.execute(
        update(PortDay)
        .where(
            PortDay.port_code == port_code,
            PortDay.day == day,
            PortDay.booked + seats <= PortDay.capacity,
            PortDay.offered >= seats,
        )
        .values(offered=PortDay.offered - seats, booked=PortDay.booked + seats)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise SeatsJustTaken(port_code=port_code, day=day)


def release_seats(session: Session, port_code: str, day: date, seats: int, *, booked: bool) -> None:
    """Give seats back (expiry, decline, cancellation).

    The WHERE clause matches no row when the release is impossible (more seats
    than are offered or booked, or no ledger for that port-day): that means the
    ledger and the offers disagree, so the whole transaction must roll back.
    """
    column = PortDay.booked if booked else PortDay.offered
    result = session.execute(
        update(PortDay)
        .where(PortDay.port_code == port_code, PortDay.day == day, column >= seats)
        .values({column.key: column - seats})
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise SeatsNotReleased(seats=seats, port_code=port_code, day=day)
