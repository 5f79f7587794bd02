"""Normalised person keys: the same human, however their name was written.

Why: the draw gives one ticket per *person*, so before each draw the day's
pool is resolved to persons. A person who registers many times writes their
name many ways: ``Олександр`` / ``Oleksandr`` / ``Aleksandr`` /
``Alexander``; ``Հարությունյան`` / ``Harutyunyan`` / ``Arutyunyan``;
``García López`` one day and ``Garcia`` the next; the birth date as 03/07 or
07/03. Exact keys (the report's first + last name + date of birth) miss all of
these; these keys do not. Typos are *not* handled here (that is the trend
analysis's probabilistic model, pluggable through
:class:`puerta.identity.resolver.PersonResolver`).

Public surface (small on purpose). Names are normalised by
:mod:`puerta.names`, the one normalisation the trend analysis uses too, so
the draw and the trend analysis agree on what "the same name" is:

* :func:`romanise` -- any script to lower-case ASCII words (from :mod:`puerta.names`).
* :func:`skeleton` -- one word to a transliteration-invariant form (likewise).
* :func:`given_key`, :func:`family_keys`, :func:`dob_key` -- the parts.
* :func:`person_keys` -- a traveler's :class:`PersonKeys`.

How two travelers match (the default resolver links them): same
:func:`given_key`, same :func:`dob_key` (day and month may be swapped), same
sex field, and either the same full family name, or one of
them wrote a single family name that is one of the other's family names.

Every function is a pure function of its text and cached on it, so a pool of
a million travelers costs one computation per *distinct* name.

Example:
    >>> skeleton(romanise("Олександр")) == skeleton(romanise("Alexander"))
    True
    >>> family_keys("García-López").partial
    ('grsa', 'lps')
    >>> person_keys("María José", "García López", date(1990, 7, 3), "F").full
    'mra jse|grsa lps|1990-03-07|F'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from puerta.names import PARTICLES, romanise, skeleton, tokens

__all__ = [
    "PARTICLES",
    "FamilyKeys",
    "PersonKeys",
    "dob_key",
    "family_keys",
    "given_key",
    "person_keys",
    "romanise",
    "skeleton",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(tokens(romanise(text), drop_particles=True))


@lru_cache(maxsize=262_144)
def given_key(given_names: str) -> str:
    """All given names, romanised and skeletonised, in order.

    Example:
        >>> given_key("Юлия") == given_key("Julia") == given_key("Iuliia")
        True
    """
    return " ".join(skeleton(w) for w in _words(given_names))


@dataclass(frozen=True, slots=True)
class FamilyKeys:
    """``full``: every family name; ``partial``: each one alone (two or more)."""

    full: str
    partial: tuple[str, ...]


@lru_cache(maxsize=262_144)
def family_keys(family_names: str) -> FamilyKeys:
    """Keys for a family name, double Hispanic surnames included.

    A single family name has no partial keys; it *is* what a double name's
    partial keys are compared with.

    Example:
        >>> family_keys("de la Cruz")
        FamilyKeys(full='krs', partial=())
        >>> family_keys("Pérez  y Gómez").partial
        ('prs', 'gms')
    """
    words = tuple(skeleton(w) for w in _words(family_names))
    return FamilyKeys(" ".join(words), words if len(words) > 1 else ())


def dob_key(born: date) -> str:
    """The date of birth with day and month in ascending order.

    Why: ``03/07`` and ``07/03`` are the commonest date error across the
    U.S. and Latin American conventions; sorting the two makes it vanish.

    Example:
        >>> dob_key(date(1990, 7, 3)) == dob_key(date(1990, 3, 7))
        True
    """
    low, high = sorted((born.month, born.day))
    return f"{born.year:04d}-{low:02d}-{high:02d}"


@dataclass(frozen=True, slots=True)
class PersonKeys:
    """A traveler's matching keys.

    ``full`` links travelers who wrote the same names (up to script, accents
    and transliteration); each of ``partial`` links a double-surname traveler
    with one who wrote only that surname.
    """

    full: str
    partial: tuple[str, ...]


def person_keys(
    given_names: str, family_names: str, born: date, sex: str | None = None
) -> PersonKeys:
    """A traveler's keys: given names, family names, swap-proof birth date, sex.

    Example:
        >>> a = person_keys("Aleksandr", "Harutyunyan", date(1990, 3, 7), "M")
        >>> b = person_keys("Александр", "Арутюнян", date(1990, 7, 3), "M")
        >>> a == b
        True
        >>> c = person_keys("Carlos", "García", date(1990, 3, 7))
        >>> c.full in person_keys("Carlos", "García López", date(1990, 7, 3)).partial
        True
    """
    suffix = f"|{dob_key(born)}|{sex or ''}"
    given = given_key(given_names)
    family = family_keys(family_names)
    return PersonKeys(
        f"{given}|{family.full}{suffix}",
        tuple(f"{given}|{part}{suffix}" for part in family.partial),
    )
