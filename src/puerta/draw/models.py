"""Draws and the selections they make."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class Draw(Base):
    """One day's allocation. The seed is kept so the draw can be replayed exactly."""

    __tablename__ = "draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_date: Mapped[date] = mapped_column(unique=True)
    appointment_date: Mapped[date]
    algorithm: Mapped[str] = mapped_column(String(32))
    seed_hex: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pool_size: Mapped[int]
    seats_offered: Mapped[int]
    created_at: Mapped[datetime]


class Selection(Base):
    """A registration chosen by a draw, holding seats until confirmed or lapsed."""

    __tablename__ = "selections"
    __table_args__ = (Index("ix_selections_status_deadline", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("appointment_requests.id"), unique=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    port_code: Mapped[str] = mapped_column(ForeignKey("ports.code"))
    appointment_date: Mapped[date]
    seats: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="offered")
    deadline: Mapped[datetime]
    extended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
