"""Partner organisations, their accounts, the registrations they made, and their audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from puerta.db import Base


class PartnerOrganisation(Base):
    """A shelter or legal-aid organisation an admin let register people who have no phone.

    ``inbox`` is its shared mailbox: mail for the people it registers with a partner-held
    contact goes there, each under a tag of its own (``intake+p3k7...@shelter.example``).
    A suspended organisation (``is_active`` false) can no longer act; what it made stays.
    """

    __tablename__ = "partner_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    inbox: Mapped[str] = mapped_column(String(254))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class PartnerMember(Base):
    """A partner account (``users.role = partner``) and the one organisation it acts for."""

    __tablename__ = "partner_members"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("partner_organisations.id"), index=True)


class AssistedRegistration(Base):
    """A registration a partner made for a person, and how the person is reached.

    The registration itself is an ordinary one owned by an account of the person's own
    (made with it, without a usable password). ``contact`` says whose address that account
    has: ``own`` (the person's email: they take it over by setting a password through
    "I forgot my password") or ``partner`` (a tagged address of the organisation's inbox:
    they take it over with a handover code, whose hash is kept here, into an account of
    their own). ``handed_over_at``: when the person took it into another account.
    """

    __tablename__ = "assisted_registrations"

    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("partner_organisations.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    contact: Mapped[str] = mapped_column(String(8))
    contact_email: Mapped[str] = mapped_column(String(254))
    handover_code_hash: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    handed_over_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(index=True)


class PartnerAudit(Base):
    """Append-only: one row for every action a partner account took (and each handover),
    written in the action's own transaction, so a refused action leaves none and a
    done one cannot lack its row. Rows are never updated or deleted (a flush that tries
    is refused, below)."""

    __tablename__ = "partner_audit"
    __table_args__ = (Index("ix_partner_audit_org_at", "organisation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    #: The account that acted; None: an operator at the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("partner_organisations.id"))
    action: Mapped[str] = mapped_column(String(32))
    registration_id: Mapped[str | None] = mapped_column(
        ForeignKey("registrations.id"), default=None, index=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditIsAppendOnly(RuntimeError):
    """Code tried to change or delete an audit row: a programming error, never a 4xx."""


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context: Any, _instances: Any) -> None:
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, PartnerAudit) and (row in session.deleted or session.is_modified(row)):
            raise AuditIsAppendOnly(f"partner_audit row {row.id} cannot change")
