"""Contacts known to be shared by design: a shelter's phone, a legal-aid desk's e-mail.

An aid organisation gives its own phone or e-mail to the people it helps
register, and they all give its address. Dozens of unrelated households then
share one contact, and without a list the ring analysis reads that as a ring
(on an independent population the three highest-scored "rings" were aid
organisations' phones). The list is a small CSV kept by the analysts::

    kind,value,label
    phone,+52 664 123 4567,Casa del Migrante Tijuana
    email,ayuda@legalaid.org,Legal aid desk
    address,"123 Main St, Suite 4, El Paso, TX 79901",Annunciation House

Values are normalised on load with :mod:`puerta.contacts` (phones as
:func:`~puerta.contacts.phone_key`, e-mails as :func:`~puerta.contacts.email_key`),
the forms every analysis compares, so ``664-123-4567`` on the list matches
``+52 1 664 123 4567`` on a form. Addresses join the known-address list of the
address analysis (``trends.addresses``). A listed contact never links a ring;
the registrations that gave it are reported as that contact, not flagged.

Example:
    >>> known = parse_known_contacts("kind,value,label\\nphone,52 1 664 123 4567,Casa\\n")
    >>> known.phones, known.label("phone", "+526641234567")
    (frozenset({'+526641234567'}), 'Casa')
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from puerta.contacts import email_key, phone_key
from puerta.trends import address_normalise as an
from puerta.trends.addresses import KnownAddress

KINDS = ("phone", "email", "address")
"""The ``kind`` values a known-contacts file may hold."""

_STATE_ZIP = re.compile(r"^\s*([A-Za-z]{2})\s+(\d{5})(?:-\d{4})?\s*$")


class KnownContactsError(ValueError):
    """A row of a known-contacts file that cannot be used (named by its line)."""


@dataclass(frozen=True)
class KnownContacts:
    """The listed contacts, normalised as the analyses compare them.

    Attributes:
        phones: Phone keys (``contacts.phone_key``).
        emails: Mailbox keys (``contacts.email_key``).
        addresses: Listed places, in the address analysis's form.
        labels: (kind, normalised value) -> the label an analyst gave it.
    """

    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    addresses: tuple[KnownAddress, ...] = ()
    labels: dict[tuple[str, str], str] = field(default_factory=dict)

    def label(self, kind: str, value: str) -> str:
        """The analyst's label of a listed contact ("" when it has none)."""
        return self.labels.get((kind, value), "")

    def values(self, link: str) -> frozenset[str]:
        """Listed values of one ring link (``phone`` or ``email``; none for the others)."""
        return {"phone": self.phones, "email": self.emails}.get(link, frozenset())


def parse_address(text: str) -> tuple[str, str, str, str, str]:
    """``"street[, unit], city, ST 12345"`` as (street, unit, city, state, zip5), normalised.

    Example:
        >>> parse_address("123 Main Street, Suite 4, El Paso, TX 79901")
        ('123 MAIN ST', '4', 'EL PASO', 'TX', '79901')
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    found = _STATE_ZIP.match(parts[-1]) if len(parts) >= 3 else None
    if found is None:
        raise ValueError(f"address not in the form 'street, city, ST 12345': {text!r}")
    street, unit, _ = an.normalise_street(" ".join(parts[:-2]))
    state, zip_code = found.groups()
    return street, unit, an.normalise_city(parts[-2]), an.normalise_state(state), an.zip5(zip_code)


def parse_known_contacts(text: str) -> KnownContacts:
    """Read the CSV text of a known-contacts file (columns ``kind,value,label``).

    Raises:
        KnownContactsError: for a row whose kind is unknown or whose value is
            not a phone, e-mail or address, so a typo in the list is seen
            rather than silently letting a shelter's phone form rings again.
    """
    phones: set[str] = set()
    emails: set[str] = set()
    addresses: list[KnownAddress] = []
    labels: dict[tuple[str, str], str] = {}
    reader = csv.DictReader(text.splitlines())
    missing = {"kind", "value"} - set(reader.fieldnames or ())
    if missing:
        raise KnownContactsError(f"known contacts: missing columns {sorted(missing)}")
    for line, row in enumerate(reader, start=2):
        kind = (row.get("kind") or "").strip().lower()
        raw = (row.get("value") or "").strip()
        label = (row.get("label") or "").strip()
        if kind == "phone":
            value = phone_key(raw)
            target = phones
        elif kind == "email":
            value = email_key(raw)
            target = emails
        elif kind == "address":
            try:
                street, unit, city, state, zip5 = parse_address(raw)
            except ValueError as exc:
                raise KnownContactsError(f"known contacts, line {line}: {exc}") from None
            addresses.append(KnownAddress("service", label, street, unit, city, state, zip5))
            continue
        else:
            raise KnownContactsError(
                f"known contacts, line {line}: kind {kind!r} is not one of {', '.join(KINDS)}"
            )
        if value is None:
            raise KnownContactsError(f"known contacts, line {line}: {raw!r} is not a {kind}")
        target.add(value)
        labels[(kind, value)] = label
    return KnownContacts(frozenset(phones), frozenset(emails), tuple(addresses), labels)


def load_known_contacts(path: str | Path | None) -> KnownContacts:
    """The known-contacts file at ``path`` (an empty list without one)."""
    if path is None:
        return KnownContacts()
    return parse_known_contacts(Path(path).read_text(encoding="utf-8"))
