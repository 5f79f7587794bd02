"""Outgoing mail behind a small interface.

The embedded default writes each message to the outbox table, so a demo or a
test can read the verification code (``puerta outbox``); the log says only that
a message was kept, never to whom or what it said. The SMTP sender delivers for
real and keeps the same record.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy.orm import Session

from puerta.accounts.models import OutboxMessage
from puerta.clock import Clock
from puerta.config import Settings

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
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def send(self, session: Session, *, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.settings.smtp_from
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(msg)
        now = self.clock.now()
        session.add(
            OutboxMessage(
                to_address=to, subject=subject, body="(sent by SMTP)", created_at=now, sent_at=now
            )
        )


def make_sender(settings: Settings, clock: Clock) -> MailSender:
    if settings.mail_backend == "smtp":
        return SmtpSender(settings, clock)
    if settings.mail_backend == "outbox":
        return OutboxSender(clock)
    raise ValueError(f"unknown mail_backend {settings.mail_backend!r}: use outbox or smtp")
