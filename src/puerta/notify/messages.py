"""What a person is told when their offer or appointment changes (pure: no store, no clock).

Scammers sell fake appointments and "better chances" by message, so every notice is
short, plain and alike: what changed, the port, the day, the time at the port, the
deadline or the code when they matter, the site's address, and always the sentence
that Puerta is free and never asks for money. Nothing else: no name, no registration
id, nothing an eavesdropper on a shared phone or a mail server should read beyond
what the person needs. The same text goes by email and by SMS.

Example:
    >>> from datetime import date
    >>> facts = Facts(Kind.EXPIRED, port="San Ysidro", zone="America/Los_Angeles",
    ...               day=date(2026, 3, 18))
    >>> text = compose(facts, locale="en", site="https://puerta.example")
    >>> text.subject
    'Puerta: your appointment offer has ended'
    >>> FREE.text in text.body
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from puerta.i18n import M, render
from puerta.i18n.message import Message


class Kind(StrEnum):
    """The state changes a person is told about; one message per selection and kind."""

    SELECTED = "selected"
    DEADLINE = "deadline"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


FREE = M(
    "notify.free",
    "Puerta is free and never asks for money. Do not pay anyone for an appointment.",
)

_TEXTS: dict[tuple[Kind, bool], tuple[Message, Message]] = {
    (Kind.SELECTED, False): (
        M("notify.selected.subject", "Puerta: you were chosen for an appointment"),
        M(
            "notify.selected.body",
            "You were chosen for an appointment at {port} on {day}.\n"
            "Confirm it by {deadline:time} on {deadline:date} (time at {port}), "
            "or the seats go to other people.\n"
            "Confirm it on {site}",
        ),
    ),
    (Kind.DEADLINE, False): (
        M("notify.deadline.subject", "Puerta: confirm your appointment soon"),
        M(
            "notify.deadline.body",
            "Your appointment at {port} on {day} is not confirmed yet.\n"
            "Confirm it by {deadline:time} on {deadline:date} (time at {port}), "
            "or the seats go to other people.\n"
            "Confirm it on {site}",
        ),
    ),
    (Kind.CONFIRMED, False): (
        M("notify.confirmed.subject", "Puerta: your appointment is confirmed"),
        M(
            "notify.confirmed.body",
            "Your appointment is confirmed: {port}, {day}, at {time} (time at {port}).\n"
            "Your code is {code}. Show it at the port.\n"
            "See your appointment on {site}",
        ),
    ),
    (Kind.CANCELLED, False): (
        M("notify.cancelled.subject", "Puerta: your appointment is cancelled"),
        M(
            "notify.cancelled.body",
            "Your appointment at {port} on {day} is cancelled. Its seats go to other people.\n"
            "You can ask for a new appointment on {site}\n"
            "If you did not cancel it, sign in on {site} and change your password.",
        ),
    ),
    (Kind.CANCELLED, True): (
        M("notify.offer_cancelled.subject", "Puerta: your appointment offer is cancelled"),
        M(
            "notify.offer_cancelled.body",
            "The appointment offered to you at {port} on {day} is cancelled. "
            "Its seats go to other people.\n"
            "You can ask for a new appointment on {site}\n"
            "If you did not cancel it, sign in on {site} and change your password.",
        ),
    ),
    (Kind.EXPIRED, False): (
        M("notify.expired.subject", "Puerta: your appointment offer has ended"),
        M(
            "notify.expired.body",
            "The appointment at {port} on {day} was not confirmed in time, "
            "so its seats went to other people.\n"
            "You can ask for a new appointment on {site}",
        ),
    ),
}


@dataclass(frozen=True)
class Facts:
    """What one notice says (hashable: a draw's thousands of notices share a few texts).

    ``zone`` is the port's: the deadline and the time are the port's local time.
    ``offer_only``: a cancelled offer (declined, withdrawn), not a booked appointment.
    """

    kind: Kind
    port: str
    zone: str
    day: date
    deadline: datetime | None = None
    slot: time | None = None
    code: str | None = None
    offer_only: bool = False


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str


def messages_of(kind: Kind, *, offer_only: bool = False) -> tuple[Message, Message]:
    """The catalog's subject and body of a kind."""
    return _TEXTS[kind, offer_only and kind == Kind.CANCELLED]


def compose(facts: Facts, *, locale: str, site: str) -> Composed:
    """The notice in ``locale``, times in the port's zone, ending with :data:`FREE`."""
    subject, body = messages_of(facts.kind, offer_only=facts.offer_only)
    params = {
        "port": facts.port,
        "day": facts.day,
        "deadline": facts.deadline,
        "time": facts.slot,
        "code": facts.code,
        "site": site,
    }
    used = {k: v for k, v in params.items() if k in body.placeholders}
    missing = [k for k, v in used.items() if v is None]
    if missing:
        raise ValueError(f"a {facts.kind} notice needs {', '.join(missing)}")
    text = render(body, used, locale=locale, tz=facts.zone)
    free = render(FREE, locale=locale)
    return Composed(render(subject, locale=locale), f"{text}\n\n{free}")
