"""The audit trail of staff: every read of personal data, every review, vetting and
disposition, with who, what, when and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class AuditEvent(Base):
    """One staff action. Rows are only ever added.

    The actor's email and role are copied in, so the row still says who it was
    after the account is changed or deactivated.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_subject", "subject_kind", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    actor_email: Mapped[str | None] = mapped_column(String(254), default=None)
    actor_role: Mapped[str | None] = mapped_column(String(16), default=None)
    #: A dotted verb: ``arrival.read``, ``photo.view``, ``finding.review`` ...
    action: Mapped[str] = mapped_column(String(48), index=True)
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(80))
    port_code: Mapped[str | None] = mapped_column(String(8), default=None)
    ip: Mapped[str | None] = mapped_column(String(45), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
