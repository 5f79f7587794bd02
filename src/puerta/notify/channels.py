"""The ways a notice reaches a person: email always, SMS when the operator turns it on.

A channel says which address of a registration's contact it uses and which outbox
backend its rows get; :mod:`puerta.notify.service` writes the rows, in the caller's
transaction, for every channel that reaches the contact. Delivery happens after
commit, outside any request: email by the SMTP job (:func:`puerta.accounts.mail.
deliver_pending`), SMS by :func:`deliver_pending_sms` through an :class:`SmsGateway`.

Puerta ships no SMS gateway. An operator plugs one in with ``sms_backend=gateway``
and ``sms_gateway=module:factory``: ``factory()`` returns an object whose
``send(to, text)`` hands one message to the provider (``to`` in E.164) and raises on
failure (docs/operations.md, "Notifications"). ``sms_backend=outbox`` keeps the
SMS in the outbox, never sent, as the demo keeps mail.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from puerta.accounts import mail
from puerta.clock import Clock
from puerta.config import Settings
from puerta.db import Database

log = logging.getLogger("puerta.notify")

EMAIL = "email"
SMS = "sms"
#: The outbox backend of SMS waiting for the gateway (email's is ``smtp``).
SMS_PENDING = "sms"


@dataclass(frozen=True)
class Contact:
    """Where a registration's notices go, and in which language (a catalog's name)."""

    registration_id: str
    email: str
    language: str
    phone: str | None = None


class Channel(Protocol):
    """One way of reaching a person."""

    name: str
    #: The outbox backend its rows get: ``outbox`` (kept), or one a delivery job sends.
    backend: str

    def address(self, contact: Contact) -> str | None:
        """The contact's address on this channel; None: the channel cannot reach them."""
        ...


@dataclass(frozen=True)
class EmailChannel:
    """The account's email: the address every registration has."""

    backend: str
    name: str = EMAIL

    def address(self, contact: Contact) -> str | None:
        return contact.email


@dataclass(frozen=True)
class SmsChannel:
    """The registration's phone (its first traveler's who gave one)."""

    backend: str
    name: str = SMS

    def address(self, contact: Contact) -> str | None:
        return contact.phone


def channels_for(settings: Settings) -> list[Channel]:
    """Email (``outbox`` or ``smtp`` as ``mail_backend`` says), and SMS unless it is off."""
    found: list[Channel] = [EmailChannel("smtp" if settings.mail_backend == "smtp" else "outbox")]
    if settings.sms_backend != "off":
        found.append(SmsChannel(SMS_PENDING if settings.sms_backend == "gateway" else "outbox"))
    return found


class SmsGateway(Protocol):
    """An SMS provider's client: ``send`` hands over one message, raising if it cannot."""

    def send(self, to: str, text: str) -> None: ...


@lru_cache(maxsize=4)
def load_gateway(path: str) -> SmsGateway:
    """The gateway ``module:factory`` names, built once per process."""
    module, _, attribute = path.partition(":")
    factory = getattr(importlib.import_module(module), attribute)
    gateway: SmsGateway = factory()
    return gateway


def deliver_pending_sms(
    db: Database, *, settings: Settings, clock: Clock, gateway: SmsGateway | None = None
) -> tuple[int, int]:
    """Send the SMS waiting for the gateway; returns (sent, failed).

    As mail is: read in a short read, sent holding no connection, then marked sent
    (body dropped) or one more failed attempt, up to ``mail.MAX_ATTEMPTS``; at least
    once. Nothing to do unless ``sms_backend`` is ``gateway``.
    """
    if settings.sms_backend != "gateway":
        return 0, 0
    waiting = mail.pending(db, SMS_PENDING)
    if not waiting:
        return 0, 0
    gateway = gateway or load_gateway(settings.sms_gateway)
    sent: list[int] = []
    failed: list[int] = []
    for message in waiting:
        try:
            gateway.send(message.to, message.body)
            sent.append(message.id)
        except Exception as exc:  # an operator's gateway may raise anything
            # Its text may name the number: log its kind only.
            log.warning("sms %s not sent: %s", message.id, type(exc).__name__)
            failed.append(message.id)
    mail.mark(db, sent=sent, failed=failed, clock=clock)
    return len(sent), len(failed)
