"""Outgoing mail behind a small interface.

The embedded default writes each message to the outbox table, so a demo or a
test can read the verification code (``puerta outbox``); the log says only that
a message was kept, never to whom or what it said. The SMTP backend writes it to
the same table, unsent, in the caller's transaction; :func:`deliver_pending`
sends it after commit, outside any request.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.accounts.models import OutboxMessage
from puerta.clock import Clock
from puerta.config import Settings
from puerta.db import Database

log = logging.getLogger("puerta.mail")


class MailSender(Protocol):
    def send(self, session: Session, *, to: str, subject: str, body: str) -> None: ...


class OutboxSender:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def send(self, session: Session, *, to: str, subject: str, body: str) -> None:
        session.add(
            OutboxMessage(to_address=to, subject=subject, body=body, created_at=self.clock.now())
        )
        log.info("mail kept in the outbox (puerta outbox shows it)")


class SmtpSender:
    """Writes the message to the outbox, unsent, in the caller's transaction: nothing
    is sent inside a request, and a rolled-back transaction sends nothing.
    :func:`deliver_pending` (the scheduler, ``puerta outbox send``) sends it after commit."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def send(self, session: Session, *, to: str, subject: str, body: str) -> None:
        session.add(
            OutboxMessage(
                to_address=to,
                subject=subject,
                body=body,
                created_at=self.clock.now(),
                backend="smtp",
            )
        )


#: Deliveries tried before a message is given up (it stays in the outbox, unsent).
MAX_ATTEMPTS = 5
#: Messages one pass delivers at most.
BATCH = 100
SENT_BODY = "(sent)"


class SmtpConnection(Protocol):
    def send_message(self, msg: EmailMessage) -> object: ...
    def __enter__(self) -> SmtpConnection: ...
    def __exit__(self, *exc: object) -> object: ...


def _smtp(settings: Settings) -> SmtpConnection:
    return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10)


@dataclass(frozen=True)
class Pending:
    id: int
    to: str
    subject: str
    body: str


def pending(db: Database, backend: str) -> list[Pending]:
    """The oldest unsent messages of ``backend`` (at most :data:`BATCH`), read in a short
    read: not given up, not superseded (a notice that became untrue before it went)."""
    with db.read_only() as read:
        return [
            Pending(m.id, m.to_address, m.subject, m.body)
            for m in read.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.backend == backend,
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.superseded_at.is_(None),
                    OutboxMessage.attempts < MAX_ATTEMPTS,
                )
                .order_by(OutboxMessage.id)
                .limit(BATCH)
            )
        ]


def mark(db: Database, *, sent: list[int], failed: list[int], clock: Clock) -> None:
    """In a short write: the sent ones sent (their body, which may hold a code, dropped),
    one more failed attempt for the others."""
    with db.session() as session:
        now = clock.now()
        for message_id in sent:
            row = session.get(OutboxMessage, message_id)
            if row is not None:
                row.sent_at, row.body = now, SENT_BODY
        for message_id in failed:
            row = session.get(OutboxMessage, message_id)
            if row is not None:
                row.attempts += 1


def deliver_pending(
    db: Database,
    *,
    settings: Settings,
    clock: Clock,
    connect: Callable[[Settings], SmtpConnection] = _smtp,
) -> tuple[int, int]:
    """Send the SMTP backend's unsent mail; returns (sent, failed).

    The messages are read in a short read, sent holding no connection (nor, on
    SQLite, the write lock), then marked in a short write: sent (the body, which
    may hold a code, is dropped) or one more failed attempt, tried again on the
    next pass until ``MAX_ATTEMPTS``. A crash between sending and marking sends
    that message again (at least once).
    """
    waiting = pending(db, "smtp")
    if not waiting:
        return 0, 0
    sent: list[int] = []
    failed: list[int] = []
    try:
        with connect(settings) as smtp:
            for message in waiting:
                try:
                    smtp.send_message(_email(settings, message))
                    sent.append(message.id)
                except (smtplib.SMTPException, OSError) as exc:
                    # The exception's text may name the recipient: log its kind only.
                    log.warning("mail %s not sent: %s", message.id, type(exc).__name__)
                    failed.append(message.id)
    except (smtplib.SMTPException, OSError):
        log.warning("SMTP server %s unreachable", settings.smtp_host, exc_info=True)
    failed.extend(m.id for m in waiting if m.id not in sent and m.id not in failed)
    mark(db, sent=sent, failed=failed, clock=clock)
    return len(sent), len(failed)


def _email(settings: Settings, message: Pending) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = message.to
    msg["Subject"] = message.subject
    msg.set_content(message.body)
    return msg


def make_sender(settings: Settings, clock: Clock) -> MailSender:
    if settings.mail_backend == "smtp":
        return SmtpSender(clock)
    if settings.mail_backend == "outbox":
        return OutboxSender(clock)
    raise ValueError(f"unknown mail_backend {settings.mail_backend!r}: use outbox or smtp")
