"""What happened at the port: each group's check-in, each traveler's disposition, and
the history of both.

An appointment has no ``arrivals`` row until something happens to it (a check-in,
or the no-show job after closing time): until then it is simply expected. Its
travelers get their disposition rows at the same moment, ``pending`` until the
officer records one. Every change of either adds an ``arrival_events`` row, so the
process page shows who did what, when, and why a correction was made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class Arrival(Base):
    """A group's arrival: ``status`` is a ``lifecycle.ArrivalStatus``.

    ``checked_in_at`` is the time at the limit line, ``checked_in_by`` the officer.
    """

    __tablename__ = "arrivals"

    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default="expected")
    checked_in_at: Mapped[datetime | None] = mapped_column(default=None)
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    no_show_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]


class TravelerDisposition(Base):
    """One traveler's disposition: ``status`` is a ``lifecycle.Disposition``.

    For ``processed_nta`` the address the officer wrote on the notice to appear is
    kept as written, with its normalised key (``arrivals.notice_address``) and whether
    it is the advance address the traveler registered (``address_matched``): the
    report's "address matched in 83% of flagged cases", computed
    (``checkin.address_match_rate``). Null for every other disposition.
    """

    __tablename__ = "traveler_dispositions"
    __table_args__ = (UniqueConstraint("appointment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    note: Mapped[str | None] = mapped_column(Text, default=None)
    recorded_at: Mapped[datetime | None] = mapped_column(default=None)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    notice_address_line1: Mapped[str | None] = mapped_column(String(120), default=None)
    notice_address_line2: Mapped[str | None] = mapped_column(String(120), default=None)
    notice_city: Mapped[str | None] = mapped_column(String(80), default=None)
    notice_state: Mapped[str | None] = mapped_column(String(2), default=None)
    notice_zip_code: Mapped[str | None] = mapped_column(String(10), default=None)
    notice_address_key: Mapped[str | None] = mapped_column(String(300), default=None)
    address_matched: Mapped[bool | None] = mapped_column(default=None)


class ArrivalEvent(Base):
    """The history: a check-in, a no-show, a disposition recorded or corrected.

    ``position`` is null for the group's own arrival; ``actor_id`` is null for the
    no-show job; ``reason`` is a correction's reason (null otherwise).
    """

    __tablename__ = "arrival_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int | None] = mapped_column(default=None)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
