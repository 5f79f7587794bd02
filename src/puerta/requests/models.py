"""Appointment requests: one registration's entry in one day's pool."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class AppointmentRequest(Base):
    __tablename__ = "appointment_requests"
    __table_args__ = (
        UniqueConstraint("registration_id", "pool_date"),
        Index("ix_appointment_requests_pool", "pool_date", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    pool_date: Mapped[date]
    port_code: Mapped[str] = mapped_column(ForeignKey("ports.code"))
    status: Mapped[str] = mapped_column(String(16), default="pooled")
    latitude: Mapped[float]
    longitude: Mapped[float]
    created_at: Mapped[datetime]
    #: The radius the device said its position is good to, in metres (null: not sent).
    #: Read by the trend analysis's location signals, never by a rule at the door.
    accuracy_m: Mapped[float | None] = mapped_column(default=None)
    device_id: Mapped[str | None] = mapped_column(String(128), default=None)
    ip: Mapped[str | None] = mapped_column(String(45), default=None)
    # Set when the pool closes (puerta.draw.publication): the opaque id shown only to
    # the owner, and whether a group deferred by the last draw at this port goes first.
    public_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    priority: Mapped[bool] = mapped_column(default=False)
