"""Each traveler's latest vetting result, per appointment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class VettingResult(Base):
    """One traveler of one appointment checked against records (``puerta.vetting``).

    One row per traveler, replaced when they are checked again (another list
    version, or their advance information changed after ``checked_at``); the
    runs themselves are in the audit (``vetting.run``). ``evidence`` holds the
    source, and per hit the record id, its result and how each field agreed,
    never the record's names: the list stays where the operator keeps it.
    """

    __tablename__ = "vetting_results"
    __table_args__ = (UniqueConstraint("appointment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    result: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    list_version: Mapped[str] = mapped_column(String(64), index=True)
    checked_at: Mapped[datetime]
