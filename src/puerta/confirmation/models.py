"""Appointments and the liveness checks that earned them."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_port_day", "port_code", "day", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null for appointments loaded from a data set, which were not made by a draw here.
    selection_id: Mapped[int | None] = mapped_column(
        ForeignKey("selections.id"), unique=True, default=None
    )
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    port_code: Mapped[str] = mapped_column(ForeignKey("ports.code"))
    day: Mapped[date]
    slot_start: Mapped[time]
    seats: Mapped[int]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)


class LivenessCheck(Base):
    """Each live-photo attempt: the outcome, and the image hash to catch replays."""

    __tablename__ = "liveness_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selections.id"), index=True)
    image_sha256: Mapped[str] = mapped_column(String(64), index=True)
    passed: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float]
    longitude: Mapped[float]
    #: What the device said of its position (metres) and which device it was: evidence
    #: for the trend analysis's location signals (impossible travel, a device far apart
    #: within minutes), never a rule at the door. Null when the client did not send them.
    accuracy_m: Mapped[float | None] = mapped_column(default=None)
    device_id: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime]
