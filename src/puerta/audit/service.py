"""Recording and searching the staff audit trail.

Why a table of its own rather than log lines: an admin must be able to answer
"who looked at this traveler's photo, and from where" months later, filtered
and exported, and a log rotates away. The record is written in the same
transaction as the read or change it describes, so a change never lands
without its row (a read's row is written by the page's own unit of work).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, TextIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from puerta.audit.models import AuditEvent
from puerta.clock import Clock

#: The export's columns, in order (docs/data-formats.md, "Audit export").
COLUMNS = (
    "id",
    "at",
    "actor_email",
    "actor_role",
    "action",
    "subject_kind",
    "subject_id",
    "port_code",
    "ip",
    "detail",
)


class Actor(Protocol):
    """Who acted: a staff account (``accounts.models.User``), read by attribute."""

    id: int
    email: str
    role: str


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    subject_kind: str,
    subject_id: str | int,
    port_code: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
    clock: Clock,
) -> AuditEvent:
    """Add one row to the trail (``actor`` None: the system, e.g. the no-show job)."""
    event = AuditEvent(
        at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        actor_role=actor.role if actor is not None else None,
        action=action,
        subject_kind=subject_kind,
        subject_id=str(subject_id),
        port_code=port_code.upper() if port_code else None,
        ip=ip,
        detail=detail or {},
    )
    session.add(event)
    return event


def _day_start(value: date | datetime) -> datetime:
    """A day as its first instant in UTC (the trail's times are UTC, as the export's)."""
    return value if isinstance(value, datetime) else datetime.combine(value, time.min, tzinfo=UTC)


def _filtered(
    query: Select[Any],
    *,
    actor_email: str | None = None,
    action: str | None = None,
    subject_kind: str | None = None,
    subject_id: str | None = None,
    port_code: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> Select[Any]:
    """``until`` as a date includes that whole day."""
    if actor_email:
        query = query.where(AuditEvent.actor_email == actor_email.strip().lower())
    if action:
        query = query.where(AuditEvent.action == action)
    if subject_kind:
        query = query.where(AuditEvent.subject_kind == subject_kind)
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id.strip())
    if port_code:
        query = query.where(AuditEvent.port_code == port_code.strip().upper())
    if since is not None:
        query = query.where(AuditEvent.at >= _day_start(since))
    if until is not None:
        end = until if isinstance(until, datetime) else _day_start(until) + timedelta(days=1)
        query = query.where(AuditEvent.at < end)
    return query


def search(
    session: Session, *, limit: int = 100, offset: int = 0, **filters: Any
) -> list[AuditEvent]:
    """The matching rows, newest first (filters as :func:`count`)."""
    query = _filtered(select(AuditEvent), **filters)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def count(session: Session, **filters: Any) -> int:
    """How many rows match: ``actor_email``, ``action``, ``subject_kind``,
    ``subject_id``, ``port_code``, ``since`` and ``until``."""
    return session.scalar(_filtered(select(func.count(AuditEvent.id)), **filters)) or 0


def _rows(session: Session, batch: int = 5000, **filters: Any) -> Iterator[AuditEvent]:
    """Oldest first, in batches by id, so an export of years holds one batch at a time."""
    last = 0
    while True:
        query = _filtered(select(AuditEvent), **filters).where(AuditEvent.id > last)
        found = list(session.scalars(query.order_by(AuditEvent.id).limit(batch)))
        yield from found
        if len(found) < batch:
            return
        last = found[-1].id
        session.expunge_all()


def export_csv(session: Session, out: TextIO, **filters: Any) -> int:
    """Write the matching rows as CSV (``COLUMNS``, ``detail`` as JSON); returns the count."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    n = 0
    for e in _rows(session, **filters):
        writer.writerow(
            [
                e.id,
                e.at.isoformat(),
                e.actor_email or "",
                e.actor_role or "",
                e.action,
                e.subject_kind,
                e.subject_id,
                e.port_code or "",
                e.ip or "",
                json.dumps(e.detail or {}, sort_keys=True, ensure_ascii=False),
            ]
        )
        n += 1
    return n
