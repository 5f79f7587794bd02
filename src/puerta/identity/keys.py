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

Public surface (small on purpose; the trend analysis imports it):

* :func:`romanise` -- any script to lower-case ASCII words.
* :func:`skeleton` -- one word to a transliteration-invariant form.
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
    ('garsa', 'lapas')
    >>> person_keys("María José", "García López", date(1990, 7, 3), "F").full
    'mara yasa|garsa lapas|1990-03-07|F'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from anyascii import anyascii

from puerta import translit

__all__ = [
    "FamilyKeys",
    "PersonKeys",
    "dob_key",
    "family_keys",
    "given_key",
    "person_keys",
    "romanise",
    "skeleton",
]

_ARMENIAN: dict[str, str] = translit.ARMENIAN
_ARMENIAN_RE = re.compile("ու|" + "|".join(sorted(_ARMENIAN, key=len, reverse=True)))
_HAS_ARMENIAN = re.compile(r"[\u0531-\u058f]")
_NON_LETTERS = re.compile(r"[^a-z]+")

#: Words that join surnames and carry no identity (``de la Cruz`` = ``Cruz``).
PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "van", "von", "der"}
)

# Applied in order, each to the whole word. Why each: the spellings of one
# sound across Spanish, English, Russian/Ukrainian and Armenian transliteration.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(a), b)
    for a, b in (
        (r"^i(?=[aeou])", "y"),  # Iuliia = Yuliya
        (r"x", "ks"),  # Alexander = Aleksandr
        (r"q", "k"),
        (r"ck", "k"),
        (r"ph", "f"),
        (r"w", "v"),
        (r"tch", "ch"),
        (r"sch", "sh"),
        (r"kh", "h"),  # Khachaturyan = Hachaturyan (then h is dropped)
        (r"gh", "g"),
        (r"th", "t"),
        (r"zh", "j"),
        (r"ch", "C"),  # keep ch and sh apart from the h we drop below
        (r"sh", "S"),
        (r"c(?=[eiy])", "s"),  # Cecilia: soft c
        (r"c", "k"),
        (r"z", "s"),  # González = Gonsales (seseo)
        (r"j", "y"),  # Julia = Yulia, Yosef = Josef
        (r"h", ""),  # Harutyunyan = Arutyunyan; Hernández = Ernandez
        (r"(?<=.)y", "i"),  # y inside a word is a vowel: Dmitriy = Dmitri
        (r"[aeiou]+", "a"),  # one vowel class: Dmytro = Dmitro, Oleksandr = Aleksandr
        (r"(?<=[^a])ar$", "r"),  # Aleksander = Aleksandr
        (r"(.)\1+", r"\1"),  # doubled letters: Anna = Ana
        (r"C", "c"),  # c and x are free again: ch and sh take them
        (r"S", "x"),
    )
)


@lru_cache(maxsize=262_144)
def romanise(text: str) -> str:
    """Any script to lower-case ASCII words separated by single spaces.

    Accents go, non-Latin scripts are transliterated (Armenian by passport
    rules, others by anyascii), hyphens, apostrophes and punctuation become
    word breaks.

    Example:
        >>> romanise("  Hernández-O'Brien ")
        'hernandez o brien'
        >>> romanise("Հարությունյան")
        'harutyunyan'
    """
    text = unicodedata.normalize("NFC", text).lower()
    if _HAS_ARMENIAN.search(text):
        text = _ARMENIAN_RE.sub(lambda m: _ARMENIAN[m.group(0)], text)
    return _NON_LETTERS.sub(" ", anyascii(text).lower()).strip()


@lru_cache(maxsize=262_144)
def skeleton(word: str) -> str:
    """One romanised word to a form its transliteration variants share.

    Vowels fold to one class (runs collapse), ``h`` is dropped except in
    ``ch``/``sh``, ``x`` = ``ks``, ``z`` = ``s``, ``j`` = ``y``, doubled
    letters collapse. Lossy on purpose: a key also needs the other name, the
    date of birth and the sex to agree.

    Example:
        >>> [skeleton(w) for w in ("aleksandr", "alexander", "oleksandr")]
        ['alaksandr', 'alaksandr', 'alaksandr']
        >>> skeleton("harutyunyan") == skeleton("arutyunyan")
        True
    """
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in romanise(text).split() if w not in PARTICLES)


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
        FamilyKeys(full='kras', partial=())
        >>> family_keys("Pérez  y Gómez").partial
        ('paras', 'gamas')
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
