"""Findings of the trend analysis, the travelers they touch, and their audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class Finding(Base):
    """Something an officer should look at. It guides an interview; it never decides.

    One kind reaches the draw: a duplicate-person finding not dismissed makes its
    travelers one person there (``findings.identities``), and the request it
    merges is listed for staff review.
    """

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_kind_status", "kind", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    score: Mapped[float]
    #: ``[{"code": ..., "params": {...}}, ...]``: catalog sentences, never words
    #: (``puerta.findings.explain``); the edge renders them in the reader's language.
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    normalised_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FindingTraveler(Base):
    """A traveler a finding concerns, by (registration, position).

    The traveler id is filled when the traveler is in the store; an offline
    analysis (``--from PATH``) may name registrations the store does not hold.
    """

    __tablename__ = "finding_travelers"
    __table_args__ = (Index("ix_finding_travelers_registration", "registration_id"),)

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
    )
    registration_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    traveler_id: Mapped[int | None] = mapped_column(
        ForeignKey("travelers.id", ondelete="SET NULL"), default=None
    )


class FindingEvent(Base):
    """The audit trail: every creation, update, review and note, with who and when."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str | None] = mapped_column(String(16), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
