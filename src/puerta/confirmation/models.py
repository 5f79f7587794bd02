"""Appointments and the liveness checks that earned them."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String
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


class VendorBudget(Base):
    """The liveness vendor's contract as every worker and machine shares it: one row.

    ``next_at`` is the earliest instant the next scan may be sent (the generic cell
    rate algorithm: a grant moves it one contract interval on), ``used`` counts the
    scans sent against the total quota, and ``failures`` / ``open_until`` are the
    circuit breaker. Every change is a compare-and-set on ``version``, so the same
    statements are atomic on SQLite and PostgreSQL without a lock held across a call.
    """

    __tablename__ = "liveness_vendor_budget"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_at: Mapped[datetime]
    used: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(default=0)
    open_until: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


#: A scan still in the queue: waiting for its turn, or being sent now.
SCAN_ACTIVE = ("waiting", "sending")


class LivenessScan(Base):
    """A live photo waiting for the vendor: the queue, first in first out by ``id``.

    The image is kept only until the scan is resolved (then it is cleared: a live
    photo is biometric data and its verdict is in ``liveness_checks``).
    ``extended_by`` is how much the selection's deadline was moved out for the wait
    so far; ``claim`` names the worker sending it now.
    """

    __tablename__ = "liveness_scans"
    __table_args__ = (Index("ix_liveness_scans_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selections.id"), index=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    image: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    image_sha256: Mapped[str] = mapped_column(String(64))
    latitude: Mapped[float]
    longitude: Mapped[float]
    enqueued_at: Mapped[datetime]
    extended_by_seconds: Mapped[float] = mapped_column(default=0.0)
    attempts: Mapped[int] = mapped_column(default=0)
    claim: Mapped[str | None] = mapped_column(String(32), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(64), default=None)
