"""Ports, their seats per day, and what an officer sees of their port."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from puerta.config import DEFAULT_PORTS, Settings
from puerta.errors import NoSeatsFree, PortNotFound, SeatsJustTaken, SeatsNotReleased
from puerta.ports.models import Port, PortDay

# Approximate port locations (public geography), used for maps and distances.
PORT_LOCATIONS: dict[str, tuple[str, float, float]] = {
    "SYS": ("America/Los_Angeles", 32.5422, -117.0297),
    "CXL": ("America/Los_Angeles", 32.6708, -115.4989),
    "NOG": ("America/Phoenix", 31.3330, -110.9430),
    "ELP": ("America/Denver", 31.7637, -106.4511),
    "EGP": ("America/Chicago", 28.7086, -100.5117),
    "LRD": ("America/Chicago", 27.5000, -99.5075),
    "HID": ("America/Chicago", 26.0997, -98.2636),
    "BRO": ("America/Chicago", 25.9017, -97.4975),
}


def ensure_ports(session: Session, settings: Settings) -> list[Port]:
    """Create the configured ports if missing and align their capacity with settings."""
    caps = settings.port_capacity()
    ports = []
    for code, name in DEFAULT_PORTS.items():
        if code not in caps:
            continue
        tz, lat, lon = PORT_LOCATIONS[code]
        port = session.get(Port, code)
        if port is None:
            port = Port(
                code=code,
                name=name,
                timezone=tz,
                daily_capacity=caps[code],
                opens_at=time(7, 0),
                closes_at=time(19, 0),
                latitude=lat,
                longitude=lon,
            )
            session.add(port)
        else:
            port.daily_capacity = caps[code]
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
