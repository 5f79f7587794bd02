"""Field rules for advance information, shared by the API and the bulk importer.

Each function takes what a person typed and returns the stored form, or raises
a coded ``InvalidValue`` (a ``ValueError``) from the error catalogue. Pydantic
turns those into field-level errors whose code and parameters the API renders
in the reader's language; the importer writes the codes to its rejects file.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

import langcodes
import pycountry

from puerta import contacts
from puerta.errors import (
    BornInFuture,
    BornTooLongAgo,
    ForbiddenCharacters,
    NotACountry,
    NotALanguage,
    NotAnEmail,
    NotAPhoneNumber,
    NotAState,
    NotAZipCode,
    Required,
    TextTooLong,
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
MAX_AGE_YEARS = 120


#: Characters that draw nothing: format characters (zero-width space and joiners, the
#: byte-order mark, direction marks) and marks on no base. A name of only these is empty.
_INVISIBLE = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me"})
_EDGE_FORMAT = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"


def clean_text(value: str, *, max_len: int) -> str:
    """Spaces collapsed, NFC, no control characters; a text that would draw nothing (say,
    only zero-width spaces) is missing. Joiners inside a word stay: some scripts need them."""
    value = unicodedata.normalize("NFC", " ".join(value.split())).strip(_EDGE_FORMAT).strip()
    if not value or all(unicodedata.category(c) in _INVISIBLE for c in value):
        raise Required()
    if _CONTROL.search(value):
        raise ForbiddenCharacters()
    if len(value) > max_len:
        raise TextTooLong(max_length=max_len)
    return value


@lru_cache(maxsize=512)
def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 from an alpha-2 or alpha-3 code."""
    raw = value.strip().upper()
    found = None
    if len(raw) == 2:
        found = pycountry.countries.get(alpha_2=raw)
    elif len(raw) == 3:
        found = pycountry.countries.get(alpha_3=raw)
    if found is None:
        raise NotACountry(value=value)
    return found.alpha_2


@lru_cache(maxsize=512)
def language_tag(value: str) -> str:
    raw = value.strip()
    if not raw or not langcodes.tag_is_valid(raw):
        raise NotALanguage(value=value)
    return langcodes.standardize_tag(raw)


def phone_e164(value: str, default_region: str = "MX") -> str:
    """E.164 of any usual way of writing a phone (``puerta.contacts``, one rule for all)."""
    found = contacts.phone_e164(value, default_region)
    if found is None:
        raise NotAPhoneNumber(value=value)
    return found


def email_address(value: str) -> str:
    raw = value.strip()
    if not _EMAIL.match(raw) or len(raw) > 254:
        raise NotAnEmail(value=value)
    local, domain = raw.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


@lru_cache(maxsize=1)
def us_states() -> frozenset[str]:
    return frozenset(
        s.code.split("-")[1] for s in pycountry.subdivisions.get(country_code="US") or []
    )


def us_state(value: str) -> str:
    raw = value.strip().upper()
    if raw not in us_states():
        raise NotAState(value=value)
    return raw


def zip_code(value: str) -> str:
    raw = value.strip()
    if not _ZIP.match(raw):
        raise NotAZipCode(value=value)
    return raw if len(raw) in (5, 10) else f"{raw[:5]}-{raw[5:]}"


def birth_date(value: date, today: date) -> date:
    if value > today:
        raise BornInFuture()
    if value.year < today.year - MAX_AGE_YEARS:
        raise BornTooLongAgo(years=MAX_AGE_YEARS)
    return value
