""" "Is this appointment real?": the confirmation code and a family name, checked.

Scammers sell fake appointments and fake "confirmations" (advocates saw both). Anyone
holding a code can ask whether it is an appointment Puerta made, and get back "valid"
with the port and the day, or "not valid", and nothing else: no names, no number of
travelers, no time slot, and no hint of which half was wrong. A wrong code, a wrong
name, a cancelled appointment and one whose day has passed all give the same answer,
from the same one statement (the code's appointment joined to its travelers: no row or
some rows), compared against every traveler's name the same way.

The family name is compared as ``puerta.names`` reads names: accents, case, spaces,
hyphens, apostrophes and other scripts folded (``romanise``), particles dropped
(``de``, ``del``...). The words typed must all be words of one traveler's family
names, so "Morales" finds "Morales Pérez", as people give only their first surname.

The caller caps the checks per client address (``limits.caps``): a code has 50 random
bits, so the cap is against guessing the name of a code someone has seen.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta import names
from puerta.confirmation.models import Appointment
from puerta.ids import normalise_code
from puerta.lifecycle import AppointmentStatus
from puerta.ports.models import Port
from puerta.registration.models import Traveler

#: Every check compares the name against this many names at least, found or not.
COMPARED = 50


@dataclass(frozen=True)
class Answer:
    """Valid, with the port and the day; or not valid, with nothing."""

    valid: bool
    port_code: str | None = None
    port_name: str | None = None
    day: date | None = None


NOT_VALID = Answer(False)


def name_words(text: str) -> frozenset[str]:
    """The words a family name is compared by.

    Example:
        >>> sorted(name_words("  de la  CRUZ-Núñez "))
        ['cruz', 'nunez']
        >>> name_words("\\u200b\\u200b")
        frozenset()
    """
    return frozenset(names.tokens(names.romanise(text), drop_particles=True))


def _matches(typed: frozenset[str], family_names: str) -> bool:
    # Compared as text, in constant time for equal lengths; the subset test itself is
    # over a handful of short words.
    words = name_words(family_names)
    joined = " ".join(sorted(typed & words))
    return hmac.compare_digest(joined.encode(), " ".join(sorted(typed)).encode())


def check(session: Session, *, code: str, family_name: str, now: datetime) -> Answer:
    """Whether ``code`` is a booked appointment, not yet past, with a traveler whose family
    name is ``family_name``; if so, its port and day only."""
    typed = name_words(family_name)
    rows = session.execute(
        select(
            Appointment.status,
            Appointment.day,
            Port.code,
            Port.name,
            Port.timezone,
            Traveler.family_names,
        )
        .join(Port, Port.code == Appointment.port_code)
        .join(Traveler, Traveler.registration_id == Appointment.registration_id)
        .where(Appointment.code == normalise_code(code)[:16])
    ).all()
    found = [row.family_names for row in rows]
    padding = [""] * max(0, COMPARED - len(found))
    matched = False
    for family_names in [*found, *padding]:
        matched |= _matches(typed, family_names) if typed else False
    if not rows or not matched:
        return NOT_VALID
    status, day, port_code, port_name, zone = rows[0][:5]
    if status != AppointmentStatus.BOOKED.value or day < now.astimezone(ZoneInfo(zone)).date():
        return NOT_VALID
    return Answer(True, port_code, port_name, day)
