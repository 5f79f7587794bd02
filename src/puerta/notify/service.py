"""Notices of a selection's state change, written to the outbox in the change's transaction.

The draw (selected), confirmation (confirmed), cancellation, expiry and the deadline
job call :func:`send` inside the transaction that makes the change, so a change that
rolls back sends nothing and no message announces an offer or appointment that does
not exist; the delivery jobs send after commit. A message that became untrue before
it went (an offer declined before its "selected" mail left) is :func:`supersede`\\ d
in the transaction that made it untrue, and never sent.

One message per (selection, kind, channel): the outbox's unique key, and the insert
skips a row that exists, so a job run twice writes nothing twice. A draw's thousands
of notices are one bulk insert with a few texts composed (they share port, day and
deadline; only the language differs).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from puerta.accounts.models import OutboxMessage, User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.i18n.translate import available_locales, negotiate
from puerta.notify import channels as ch
from puerta.notify.messages import Composed, Facts, Kind, compose
from puerta.ports.models import Port
from puerta.registration.models import Registration, Traveler

#: Registration ids per lookup (SQLite's ``IN`` list: at most 32,766 parameters; PostgreSQL
#: takes them as one array).
CHUNK = 5_000
SUPERSEDED_BODY = "(not sent: no longer true)"
#: Rows per PostgreSQL insert (each column is one array parameter).
ROWS_PER_INSERT = 50_000


@dataclass(frozen=True)
class Notice:
    """One state change to tell a registration's contact, in plain values (the draw's and
    confirmation's services build it from their rows)."""

    registration_id: str
    selection_id: int | None
    kind: Kind
    port_code: str
    day: date
    deadline: datetime | None = None
    slot: time | None = None
    code: str | None = None
    offer_only: bool = False


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _among(session: Session, column: Any, values: Sequence[str]) -> Any:
    """``column IN (values)``; on PostgreSQL ``= ANY(:array)``, one parameter however many."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam("among", list(values), type_=ARRAY(sa.String)))
    return column.in_(values)


def contacts(
    session: Session, registration_ids: Collection[str], *, settings: Settings, phones: bool
) -> dict[str, ch.Contact]:
    """Each registration's contact: its account's email and language (negotiated to a
    catalog), and with ``phones`` the phone of its first traveler who gave one."""
    ids = sorted(set(registration_ids))
    available = available_locales()
    found: dict[str, ch.Contact] = {}
    phone_of: dict[str, str] = {}
    for part in _chunks(ids):
        if phones:
            rows = session.execute(
                sa.select(Traveler.registration_id, Traveler.phone)
                .where(_among(session, Traveler.registration_id, part))
                .where(Traveler.phone.is_not(None))
                .order_by(Traveler.registration_id, Traveler.position)
            )
            for registration_id, phone in rows:
                phone_of.setdefault(registration_id, phone)
        for registration_id, email, language in session.execute(
            sa.select(Registration.id, User.email, User.language)
            .join(User, User.id == Registration.owner_id)
            .where(_among(session, Registration.id, part))
        ):
            found[registration_id] = ch.Contact(
                registration_id,
                email,
                negotiate(language, available, settings.default_language),
                phone_of.get(registration_id),
            )
    return found


def send(session: Session, notices: Sequence[Notice], *, settings: Settings, clock: Clock) -> int:
    """Write each notice to the outbox, once per channel that reaches its contact, in the
    caller's transaction; a (selection, kind, channel) already written is skipped.
    Returns the rows offered to the insert."""
    if not notices:
        return 0
    channels = ch.channels_for(settings)
    reach = contacts(
        session,
        [n.registration_id for n in notices],
        settings=settings,
        phones=any(c.name == ch.SMS for c in channels),
    )
    ports = {
        code: (name, zone)
        for code, name, zone in session.execute(sa.select(Port.code, Port.name, Port.timezone))
    }
    rows = _rows(notices, reach, ports, channels, settings.site_url)
    _insert_once(session, rows, clock.now())
    return len(rows)


def _rows(
    notices: Sequence[Notice],
    reach: dict[str, ch.Contact],
    ports: dict[str, tuple[str, str]],
    channels: Sequence[ch.Channel],
    site: str,
) -> list[dict[str, Any]]:
    """The outbox rows of the notices; each distinct text composed once (a draw's notices
    differ only by port and language)."""
    texts: dict[tuple[Facts, str], Composed] = {}
    rows: list[dict[str, Any]] = []
    for notice in notices:
        contact = reach.get(notice.registration_id)
        if contact is None:  # no account behind it any more: nobody to tell
            continue
        name, zone = ports[notice.port_code]
        facts = Facts(
            notice.kind,
            port=name,
            zone=zone,
            day=notice.day,
            deadline=notice.deadline,
            slot=notice.slot,
            code=notice.code,
            offer_only=notice.offer_only,
        )
        text = texts.get((facts, contact.language))
        if text is None:
            text = texts[facts, contact.language] = compose(
                facts, locale=contact.language, site=site
            )
        for channel in channels:
            address = channel.address(contact)
            if address:
                rows.append(
                    {
                        "to_address": address,
                        "subject": text.subject,
                        "body": text.body,
                        "backend": channel.backend,
                        "channel": channel.name,
                        "kind": notice.kind.value,
                        "selection_id": notice.selection_id,
                    }
                )
    return rows


#: The outbox's columns a notice fills, and their PostgreSQL array types for ``unnest``.
_COLUMNS = {
    "to_address": "text[]",
    "subject": "text[]",
    "body": "text[]",
    "backend": "text[]",
    "channel": "text[]",
    "kind": "text[]",
    "selection_id": "integer[]",
}
# Table and column names come from this module, never from the data.
_PG_INSERT = sa.text(
    f"INSERT INTO outbox ({', '.join(_COLUMNS)}, created_at, attempts) "  # noqa: S608
    f"SELECT {', '.join(f't.{c}' for c in _COLUMNS)}, :created_at, 0 FROM unnest("
    + ", ".join(f"CAST(:{c} AS {t})" for c, t in _COLUMNS.items())
    + f") AS t({', '.join(_COLUMNS)}) "
    "ON CONFLICT (selection_id, kind, channel) DO NOTHING"
)


def _insert_once(session: Session, rows: list[dict[str, Any]], now: datetime) -> None:
    """Insert the rows, skipping a (selection, kind, channel) already written.

    PostgreSQL: one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` per
    :data:`ROWS_PER_INSERT` rows, each column one array parameter (a draw's ten thousand
    notices are one statement, not ten thousand); SQLite, in process, ``executemany``.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        for start in range(0, len(rows), ROWS_PER_INSERT):
            part = rows[start : start + ROWS_PER_INSERT]
            values = {c: [r[c] for r in part] for c in _COLUMNS}
            session.execute(_PG_INSERT, {**values, "created_at": now})
        return
    statement = sqlite.insert(OutboxMessage.__table__).on_conflict_do_nothing(
        index_elements=["selection_id", "kind", "channel"]
    )
    session.execute(statement, [{**r, "created_at": now, "attempts": 0} for r in rows])


def told(kind: Kind) -> sa.Select[tuple[int | None]]:
    """The selections already sent (or due to be sent) a notice of ``kind``: for a job's
    ``NOT IN``, so that it writes each notice once."""
    return sa.select(OutboxMessage.selection_id).where(
        OutboxMessage.kind == kind.value, OutboxMessage.selection_id.is_not(None)
    )


def supersede(
    session: Session, *, selection_id: int, kinds: Collection[Kind], clock: Clock
) -> None:
    """The selection's unsent notices of ``kinds`` are no longer true: never send them,
    and keep none of what they said. (The embedded ``outbox`` backend's rows are the
    mailbox itself, delivered when written: they stay as they were.)"""
    session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.selection_id == selection_id,
            OutboxMessage.kind.in_([k.value for k in kinds]),
            OutboxMessage.backend != "outbox",
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.superseded_at.is_(None),
        )
        .values(superseded_at=clock.now(), body=SUPERSEDED_BODY)
        .execution_options(synchronize_session=False)
    )
