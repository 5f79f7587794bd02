"""Field by field, how a traveler and a record agree: the identity model's levels, in Python.

Why not Splink itself: vetting compares a handful of travelers with a list of
records, often one appointment at a time, and must say *which* field agreed
and how, in words an officer reads. The identity model
(:mod:`puerta.trends.splink_model`) already says what counts as "the same
name" and "the same birth date" in SQL comparison levels; this module applies
the same levels to one pair, on the same matching forms
(:func:`puerta.trends.names.keys_from_norm`: romanised name, first word,
transliteration skeleton, Metaphone) with the same string measures (jellyfish's
Jaro-Winkler and Damerau-Levenshtein give DuckDB's values).
``tests/vetting/test_compare.py`` runs the model's own SQL levels in DuckDB
on the same pairs and checks that both give the same level.

One deliberate difference: "one word in common" ignores name particles
(``de``, ``la``, ``van``...), so ``de la Cruz`` and ``de León`` share no word.
The model weighs that level as one piece of evidence among many; here it can
make a possible match, so a particle must not.

Every function is symmetric: comparing (a, b) gives the level of (b, a).

Example:
    >>> a = NameForms.of("Aleksandr", "Harutyunyan")
    >>> b = NameForms.of("Олександр", "Arutyunyan")
    >>> given_level(a, b), family_level(a, b)
    ('skeleton', 'skeleton')
    >>> dob_level(date(1990, 3, 7), date(1990, 7, 3))
    'day_month_swapped'
    >>> dob_level(date(1995, 2, 28), date(1995, 3, 1))
    'one_day'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import jellyfish

from puerta.names import tokens
from puerta.trends import names
from puerta.trends import splink_model as sm

# --- level codes (stable: they are stored in the evidence and name catalog messages) ------

MISSING = "missing"
EXACT = "exact"
SWAPPED = "swapped"
SWAPPED_TYPO = "swapped_typo"
WORD_IN_COMMON = "word_in_common"
GENDERED = "gendered"
SKELETON = "skeleton"
SOUNDS_ALIKE = "sounds_alike"
SIMILAR = "similar"
DIFFERENT = "different"

NAME_LEVELS: tuple[str, ...] = (
    MISSING,
    EXACT,
    SWAPPED,
    SWAPPED_TYPO,
    WORD_IN_COMMON,
    GENDERED,
    SKELETON,
    SOUNDS_ALIKE,
    SIMILAR,
    DIFFERENT,
)
"""Name levels, most specific first (``gendered``: given names only)."""

DAY_MONTH_SWAPPED = "day_month_swapped"
ONE_DAY = "one_day"
ONE_DIGIT = "one_digit"
DECADE_DIGIT = "decade_digit"
TWO_DIGITS = "two_digits"

DOB_LEVELS: tuple[str, ...] = (
    MISSING,
    EXACT,
    DAY_MONTH_SWAPPED,
    ONE_DAY,
    ONE_DIGIT,
    DECADE_DIGIT,
    TWO_DIGITS,
    DIFFERENT,
)
"""Birth-date levels, most specific first."""

SAME = "same"
ONE_EDIT = "one_edit"
NOT_COMPARED = "not_compared"

#: The identity model's label of each level (``label_for_charts``), for the cross-check.
SPLINK_LABELS: dict[str, str] = {
    MISSING: "null",
    EXACT: "exact",
    SWAPPED: "given and family swapped",
    SWAPPED_TYPO: sm.SWAPPED_TYPO_LEVEL,
    WORD_IN_COMMON: "one word in common",
    GENDERED: sm.GENDERED_LEVEL,
    SKELETON: "same transliteration skeleton",
    SOUNDS_ALIKE: "sounds alike or one typo",
    SIMILAR: "similar",
    DIFFERENT: "different",
    DAY_MONTH_SWAPPED: sm.SWAPPED_DOB_LEVEL,
    ONE_DAY: sm.ONE_DAY_LEVEL,
    ONE_DIGIT: sm.ONE_DIGIT_LEVEL,
    DECADE_DIGIT: sm.DECADE_DIGIT_LEVEL,
    TWO_DIGITS: "two digits",
}

_FINAL_GENDER = re.compile(r"[aoe]$")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")


@dataclass(frozen=True, slots=True)
class Forms:
    """One name field's matching forms (:func:`puerta.trends.names.keys_from_norm`)."""

    norm: str
    first: str
    key: str
    skel: frozenset[str]
    phon: str
    words: frozenset[str]
    """The romanised words without particles (for "one word in common")."""

    @staticmethod
    @lru_cache(maxsize=65_536)
    def of(raw: str | None) -> Forms | None:
        keys = names.name_keys(raw)
        if keys["norm"] is None:
            return None
        norm = keys["norm"]
        return Forms(
            norm=norm,
            first=keys["first"] or "",
            key=keys["key"] or "",
            skel=frozenset((keys["skel"] or "").split()),
            phon=keys["phon"] or "",
            words=frozenset(tokens(norm, drop_particles=True)),
        )


@dataclass(frozen=True, slots=True)
class NameForms:
    """Both name fields of one person."""

    given: Forms | None
    family: Forms | None

    @staticmethod
    def of(given_names: str | None, family_names: str | None) -> NameForms:
        return NameForms(Forms.of(given_names), Forms.of(family_names))


def _jw(a: str, b: str) -> float:
    return jellyfish.jaro_winkler_similarity(a, b)


def _near(a: Forms, b: Forms) -> bool:
    """Equal, the same skeleton key, or one typo apart (the model's ``_near``)."""
    return a.norm == b.norm or a.key == b.key or _jw(a.norm, b.norm) >= 0.92


def _name_level(
    part: Forms | None,
    other: Forms | None,
    part_r: Forms | None,
    other_r: Forms | None,
    *,
    given: bool,
) -> str:
    """The level of one name field (``part``) of the left person against the right's.

    ``other`` / ``other_r`` are the other name field of each, for the swaps.
    """
    if part is None or part_r is None:
        return MISSING
    n, r = part.norm, part_r.norm
    if n == r:
        return EXACT
    if other is not None and other_r is not None:
        if n == other_r.norm and other.norm == r:
            return SWAPPED
        if _near(part, other_r) and _near(other, part_r):
            return SWAPPED_TYPO
    if part.first == part_r.first or part.words & part_r.words:
        return WORD_IN_COMMON
    if given and _FINAL_GENDER.sub("", part.first) == _FINAL_GENDER.sub("", part_r.first):
        return GENDERED
    if part.key == part_r.key or part.skel & part_r.skel:
        return SKELETON
    if (
        part.phon == part_r.phon
        or _jw(n, r) >= 0.92
        or (min(len(n), len(r)) >= 3 and jellyfish.damerau_levenshtein_distance(n, r) <= 1)
    ):
        return SOUNDS_ALIKE
    if _jw(n, r) >= 0.8:
        return SIMILAR
    return DIFFERENT


def given_level(a: NameForms, b: NameForms) -> str:
    """How the given names agree (the model's ``given`` comparison)."""
    return _name_level(a.given, a.family, b.given, b.family, given=True)


def family_level(a: NameForms, b: NameForms) -> str:
    """How the family names agree (the model's ``family`` comparison)."""
    return _name_level(a.family, a.given, b.family, b.given, given=False)


def _digits(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _swap(d: date) -> str | None:
    """The date with day and month swapped, when that is another real date."""
    if d.day > 12 or d.day == d.month:
        return None
    return f"{d.year:04d}{d.day:02d}{d.month:02d}"


def _hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def dob_level(a: date | None, b: date | None) -> str:
    """How two birth dates agree (the model's ``dob`` comparison).

    The date is compared as written, as an identity attribute: never turned
    into an age.
    """
    if a is None or b is None:
        return MISSING
    x, y = _digits(a), _digits(b)
    if x == y:
        return EXACT
    if x == _swap(b) or _swap(a) == y:
        return DAY_MONTH_SWAPPED
    if a + timedelta(days=1) == b or b + timedelta(days=1) == a:
        return ONE_DAY
    apart = _hamming(x, y)
    same_decade = x[:3] == y[:3]
    if same_decade and apart <= 1:
        return ONE_DIGIT
    if apart <= 1:
        return DECADE_DIGIT
    if same_decade and apart <= 2:
        return TWO_DIGITS
    return DIFFERENT


def normal_document(value: str | None) -> str | None:
    """A document number as issued: upper case, letters and digits only."""
    if not value:
        return None
    return _NOT_ALNUM.sub("", value.upper()) or None


def document_level(a: str | None, b: str | None) -> str:
    """``same``, ``one_edit`` (a slip in typing it), ``different`` or ``missing``."""
    x, y = normal_document(a), normal_document(b)
    if x is None or y is None:
        return MISSING
    if x == y:
        return SAME
    if jellyfish.damerau_levenshtein_distance(x, y) <= 1:
        return ONE_EDIT
    return DIFFERENT


def plain_level(a: str | None, b: str | None) -> str:
    """``same``, ``different`` or ``missing`` for a coded value (sex, a country)."""
    if not a or not b:
        return MISSING
    return SAME if a.strip().upper() == b.strip().upper() else DIFFERENT
