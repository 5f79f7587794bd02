"""Ports of entry and the seats of each port-day."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class Port(Base):
    """A port of entry as this deployment runs it; created from :mod:`puerta.ports.catalogue`.

    ``address`` (street line), ``city``, ``state`` and ``zip_code`` are where
    applicants go: the appointment page shows them.
    """

    __tablename__ = "ports"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64))
    daily_capacity: Mapped[int]
    opens_at: Mapped[time]
    closes_at: Mapped[time]
    latitude: Mapped[float]
    longitude: Mapped[float]
    is_active: Mapped[bool] = mapped_column(default=True)


class PortDay(Base):
    """Seat accounting for one port on one appointment date.

    ``offered`` seats are held by selections waiting for confirmation;
    ``booked`` seats belong to confirmed appointments. Confirmation moves seats
    from offered to booked with a guarded UPDATE, so concurrent confirmations
    can never book more than ``capacity``.
    """

    __tablename__ = "port_days"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND offered >= 0", name="seats_non_negative"),
        CheckConstraint("booked <= capacity", name="never_overbooked"),
    )

    port_code: Mapped[str] = mapped_column(ForeignKey("ports.code"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    capacity: Mapped[int]
    offered: Mapped[int] = mapped_column(default=0)
    booked: Mapped[int] = mapped_column(default=0)
