"""One normalisation of phone numbers and e-mail addresses, for the store and every analysis.

Why one module: a ring is "many unrelated registrations sharing one phone or
e-mail". If the API stores ``+5216641234567`` and the analysis of an imported
file reads ``52 1 664 123 4567``, or one analysis folds ``ana.perez+7@gmail.com``
and another does not, one ring splits into several findings and one person's
contacts look like several people's. Everything that compares contacts goes
through the functions here: the API and the importer when they store a value
(:func:`phone_e164`), and the trend analysis, whether it reads the store or a
file given with ``--from`` (:func:`phone_key`, :func:`email_key`,
:func:`normalise_contacts`).

Mexican mobiles are still commonly written with the ``1`` that was dialled
after ``+52`` until 2019 (``52 1 664 123 4567``) or with the old ``044``/``045``
prefixes; both are the number ``+52 664 123 4567`` and are stored as such.

Example:
    >>> phone_e164("52 1 664 123 4567")
    '+526641234567'
    >>> phone_key("521 664 123 4567") == phone_key("+52 664 123 4567")
    True
    >>> email_key(" Ana.Perez+7@GMAIL.com ")
    'anaperez@gmail.com'
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
import polars as pl

__all__ = ["email_key", "normalise_contacts", "phone_e164", "phone_key"]

_MX_OLD_MOBILE = re.compile(r"^(?:044|045)(\d{10})$")
_DIGITS = re.compile(r"\D")


def _parse(value: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None


def _mexican_mobile(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    """``+52 1 ddd ddd dddd`` (the pre-2019 mobile form) as ``+52 ddd ddd dddd``."""
    national = str(number.national_number)
    if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
        return _parse(f"+52{national[1:]}", "MX")
    return None


@lru_cache(maxsize=100_000)
def phone_e164(value: str, region: str = "MX") -> str | None:
    """The E.164 form of a phone number written any usual way, or ``None`` if it is not one.

    ``region`` is the country assumed when the number has no ``+`` (the
    person's chosen phone country on a form, Mexico for the importer).

    Example:
        >>> phone_e164("(619) 555-0123", "US"), phone_e164("045 664 123 4567")
        ('+16195550123', '+526641234567')
        >>> phone_e164("12") is None
        True
    """
    raw = value.strip()
    if not raw:
        return None
    digits = _DIGITS.sub("", raw)
    old = _MX_OLD_MOBILE.match(digits) if not raw.startswith("+") else None
    number = _parse(f"+52{old.group(1)}" if old else raw, region)
    if number is None:
        return None
    if not phonenumbers.is_valid_number(number):
        fixed = _mexican_mobile(number)
        if fixed is None or not phonenumbers.is_valid_number(fixed):
            return None
        number = fixed
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=200_000)
def phone_key(value: str | None) -> str | None:
    """The form the analyses compare: E.164 when the number parses, else its digits.

    Numbers without ``+`` are read as Mexican first, then as US numbers; a
    value that is neither keeps its digits (with a ``+``), so two rows that
    wrote the same odd value still meet.

    Example:
        >>> phone_key("664-123-4567"), phone_key("+1 619 555 0123"), phone_key("n/a")
        ('+526641234567', '+16195550123', None)
    """
    if value is None:
        return None
    for region in ("MX", "US"):
        found = phone_e164(value, region)
        if found:
            return found
    digits = _DIGITS.sub("", value)
    return f"+{digits}" if len(digits) >= 6 else None


@lru_cache(maxsize=200_000)
def email_key(value: str | None) -> str | None:
    """The mailbox an address reaches: case, dots and ``+tags`` of the user part folded.

    Many providers deliver ``ana.perez+7@`` to ``anaperez@``; a script minting
    addresses varies exactly those, and a person retyping their own varies
    the case. Trailing digits are kept: ``ana1`` and ``ana2`` are different
    mailboxes (bursts look at that pattern separately).

    Example:
        >>> email_key("A.N.A+x@Example.ORG"), email_key("not an address")
        ('ana@example.org', None)
    """
    if value is None:
        return None
    raw = value.strip().lower()
    if raw.count("@") != 1:
        return None
    local, domain = raw.split("@")
    local = local.split("+", 1)[0].replace(".", "")
    if not local or "." not in domain:
        return None
    return f"{local}@{domain}"


def _mapped(column: pl.Series, fn: object) -> pl.Series:
    """Apply ``fn`` once per distinct value (contacts repeat: a shelter's phone, a family's)."""
    distinct = column.drop_nulls().unique()
    table = pl.DataFrame(
        {"_v": distinct, "_k": [fn(v) for v in distinct.to_list()]},  # type: ignore[operator]
        schema={"_v": pl.String, "_k": pl.String},
    )
    frame = pl.DataFrame({"_v": column.cast(pl.String)})
    return frame.join(table, on="_v", how="left", maintain_order="left")["_k"].alias(column.name)


def normalise_contacts(df: pl.DataFrame) -> pl.DataFrame:
    """``phone`` as :func:`phone_key` and ``email_key`` beside ``email`` (kept as written).

    The written e-mail stays because bursts read the number a script counts
    with (``+7``, ``ana12``); every comparison of mailboxes reads ``email_key``.
    Calling this twice gives the same frame.

    Example:
        >>> out = normalise_contacts(pl.DataFrame({"phone": ["52 1 664 123 4567"],
        ...     "email": ["A.na@x.org"]}))
        >>> out.row(0)
        ('+526641234567', 'A.na@x.org', 'ana@x.org')
    """
    out = df
    if "phone" in df.columns:
        out = out.with_columns(_mapped(df["phone"], phone_key))
    if "email" in df.columns:
        out = out.with_columns(_mapped(df["email"], email_key).alias("email_key"))
    return out
