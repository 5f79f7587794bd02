"""The partner audit trail: written by the action's own service call, in its transaction."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.partners.models import PartnerAudit


class Action(StrEnum):
    """What was done. Stable codes: reports and reviewers read them."""

    ORGANISATION_CREATED = "organisation_created"
    MEMBER_ADDED = "member_added"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    CREATE = "create"
    EDIT = "edit"
    PHOTO = "photo"
    REQUEST = "request"
    WITHDRAW = "withdraw"
    CANCEL = "cancel"
    HANDOVER_CODE = "handover_code"
    HANDOVER = "handover"


def record(
    session: Session,
    *,
    actor: User | None,
    organisation_id: int,
    action: Action,
    clock: Clock,
    registration_id: str | None = None,
    **detail: Any,
) -> PartnerAudit:
    """Add one audit row to the caller's transaction (``actor`` None: an operator at the
    command line). Call it after the action succeeded and in the same session, so the row
    commits exactly when the action does."""
    row = PartnerAudit(
        at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        organisation_id=organisation_id,
        action=action.value,
        registration_id=registration_id,
        detail=detail,
    )
    session.add(row)
    return row


def trail(
    session: Session, *, organisation_id: int | None = None, limit: int = 200
) -> list[PartnerAudit]:
    """The newest rows first, of one organisation or of all."""
    query = select(PartnerAudit).order_by(PartnerAudit.id.desc()).limit(limit)
    if organisation_id is not None:
        query = query.where(PartnerAudit.organisation_id == organisation_id)
    return list(session.scalars(query))
