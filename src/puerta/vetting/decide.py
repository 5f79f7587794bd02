"""From the levels of each field to a result: no match, possible match, or match.

The rules, in the identity model's spirit (:mod:`puerta.trends.identity`: name
and birth date alone are never "same person", however rare the name):

* A record is a **hit** only when both names *and* the birth date agree. A
  name alone, however exact, is never a hit; nor is a birth date alone.
  How close they must be trades one against the other:

  - both names strong (the same, swapped between the fields, or the same in
    another spelling) and the birth date at most two digits off;
  - both names at least near (one word in common, one typo, sounding alike)
    and the birth date the same or a usual slip (day and month swapped, a day
    apart, one digit);
  - one name strong, the other at least similar, and the birth date the same.

  A given name that differs only by its final a/o/e (Daniel / Daniela) is a
  sibling's, not a slip: it is never a hit.
* A hit is a **possible match**: the officer asks.
* A hit is a **match** only when an identifier corroborates it: the document
  numbers are the same, issued by the same country when both sides say which
  (the one place citizenship is read), the birth date is the same or a usual
  slip, and no field contradicts it (another sex, another document).

Nationality and language are never read; citizenship only corroborates a
document number that agrees, so it can turn a possible match into a match,
never make a hit, and never raise anything on its own.

Example:
    >>> from datetime import date
    >>> t = AdvanceInfo("Ana Lucía", "Morales Pérez", date(1990, 5, 17))
    >>> r = Record("W-1", "Ana Lucia", "Morales", date(1990, 5, 17))
    >>> verdict(t, [r]).result
    <Result.POSSIBLE_MATCH: 'possible_match'>
    >>> verdict(t, [Record("W-2", "Ana Lucía", "Morales Pérez", date(1971, 1, 1))]).result
    <Result.NO_MATCH: 'no_match'>
"""

from __future__ import annotations

from collections.abc import Iterable

from puerta.vetting import compare as c
from puerta.vetting.records import AdvanceInfo, Hit, Record, Result, Verdict

STRONG_NAME = frozenset({c.EXACT, c.SWAPPED, c.SKELETON})
"""The same name, up to script, accents, transliteration or the field it was written in."""
NEAR_NAME = STRONG_NAME | {c.SWAPPED_TYPO, c.WORD_IN_COMMON, c.SOUNDS_ALIKE}
"""A dropped second name or a typo."""
SIMILAR_NAME = NEAR_NAME | {c.SIMILAR}

EXACT_DOB = frozenset({c.EXACT})
NEAR_DOB = EXACT_DOB | {c.DAY_MONTH_SWAPPED, c.ONE_DAY, c.ONE_DIGIT}
"""The usual slips in typing a birth date."""
FAR_DOB = NEAR_DOB | {c.DECADE_DIGIT, c.TWO_DIGITS}

#: The order fields are listed in the evidence.
FIELDS = (
    "given_names",
    "family_names",
    "date_of_birth",
    "sex",
    "document_number",
    "citizenship",
)


def levels(traveler: AdvanceInfo, record: Record) -> dict[str, str]:
    """How each field of ``traveler`` and ``record`` agrees (level codes).

    Citizenship is compared only when the document numbers are the same:
    otherwise it is ``not_compared``, so that it is never evidence of its own.
    """
    a = c.NameForms.of(traveler.given_names, traveler.family_names)
    b = c.NameForms.of(record.given_names, record.family_names)
    document = c.document_level(traveler.document_number, record.document_number)
    return {
        "given_names": c.given_level(a, b),
        "family_names": c.family_level(a, b),
        "date_of_birth": c.dob_level(traveler.date_of_birth, record.date_of_birth),
        "sex": c.plain_level(traveler.sex, record.sex),
        "document_number": document,
        "citizenship": (
            c.plain_level(traveler.citizenship, record.citizenship)
            if document == c.SAME
            else c.NOT_COMPARED
        ),
    }


def is_hit(fields: dict[str, str]) -> bool:
    """Names and birth date agree closely enough for an officer to ask (see the module)."""
    given, family, dob = fields["given_names"], fields["family_names"], fields["date_of_birth"]
    names = (given, family)
    strong = sum(n in STRONG_NAME for n in names)
    if strong == 2 and dob in FAR_DOB:
        return True
    if all(n in NEAR_NAME for n in names) and dob in NEAR_DOB:
        return True
    return strong >= 1 and all(n in SIMILAR_NAME for n in names) and dob in EXACT_DOB


def corroborated(fields: dict[str, str]) -> bool:
    """An identifier says it is the one person: the same document, of the same country."""
    return fields["document_number"] == c.SAME and fields["citizenship"] != c.DIFFERENT


def contradicted(fields: dict[str, str]) -> bool:
    """A field that both sides give and that differs."""
    return fields["sex"] == c.DIFFERENT or fields["document_number"] == c.DIFFERENT


def decide(fields: dict[str, str]) -> Result:
    """The result one record gives (see the module for the rules)."""
    if not is_hit(fields):
        return Result.NO_MATCH
    if corroborated(fields) and not contradicted(fields) and fields["date_of_birth"] in NEAR_DOB:
        return Result.MATCH
    return Result.POSSIBLE_MATCH


def verdict(traveler: AdvanceInfo, candidates: Iterable[Record]) -> Verdict:
    """The traveler's result over ``candidates``: the strongest hit's, with every hit.

    Hits are ordered strongest first, then by record id, so a verdict is the
    same whatever order the candidates come in.
    """
    hits = []
    for record in candidates:
        fields = levels(traveler, record)
        result = decide(fields)
        if result is not Result.NO_MATCH:
            hits.append(Hit(record.record_id, result, fields, record.note))
    hits.sort(key=lambda h: (-h.result.rank, h.record_id))
    return Verdict(hits[0].result if hits else Result.NO_MATCH, tuple(hits))
