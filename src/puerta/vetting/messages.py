"""What an officer reads of a vetting result: staff catalog sentences built from the evidence.

Stored results hold codes (the result, a level per field); these sentences are
built from them when an officer reads them, in the officer's language, so a
result stored today reads in Spanish tomorrow. Whole sentences with nested
catalog terms for the levels ("the same in another spelling"), never fragments
glued together.

Example:
    >>> from puerta.i18n import render
    >>> evidence = {"hits": [{"record_id": "W-7", "result": "possible_match", "fields": {
    ...     "given_names": "skeleton", "family_names": "exact", "date_of_birth": "one_day",
    ...     "sex": "same", "document_number": "missing", "citizenship": "not_compared"}}]}
    >>> print(render(*sentences("possible_match", evidence)[0]))  # doctest: +NORMALIZE_WHITESPACE
    Watch-list record W-7 may be this traveler: given names the same in another
    spelling, family names the same, date of birth one day apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from puerta.i18n import M, Message

RESULTS: dict[str | None, Message] = {
    None: M("staff.vetting.result.not_vetted", "not vetted yet"),
    "no_match": M("staff.vetting.result.no_match", "no match"),
    "possible_match": M("staff.vetting.result.possible_match", "possible match"),
    "match": M("staff.vetting.result.match", "match"),
}
"""A result's name (``None``: the traveler has not been checked yet)."""

NOT_VETTED = M("staff.vetting.not_vetted", "Not yet checked against the watch list.")
NO_MATCH = M("staff.vetting.no_match", "No watch-list record matches this traveler.")
POSSIBLE = M(
    "staff.vetting.hit.possible",
    "Watch-list record {record_id} may be this traveler: given names {given}, "
    "family names {family}, date of birth {birth}.",
)
MATCH = M(
    "staff.vetting.hit.match",
    "Watch-list record {record_id} is this traveler by the document number: given names "
    "{given}, family names {family}, date of birth {birth}.",
)
SEX_DIFFERS = M("staff.vetting.hit.sex_differs", "The record gives another sex.")
DOCUMENT_DIFFERS = M("staff.vetting.hit.document_differs", "The record gives another document.")
DOCUMENT_NEAR = M(
    "staff.vetting.hit.document_near", "The document numbers are one character apart."
)
NOTE = M("staff.vetting.hit.note", "Record note: {note}")
MORE = M("staff.vetting.more", "{count} more records may be this traveler.")
ADVICE = M(
    "staff.vetting.advice",
    "A watch-list result guides the interview: ask, do not assume. It never cancels or "
    "changes an appointment.",
)

LEVELS: dict[str, Message] = {
    "missing": M("staff.vetting.level.missing", "not given"),
    "exact": M("staff.vetting.level.exact", "the same"),
    "swapped": M("staff.vetting.level.swapped", "the same, written in the other name field"),
    "swapped_typo": M("staff.vetting.level.swapped_typo", "alike, written in the other name field"),
    "word_in_common": M("staff.vetting.level.word_in_common", "sharing a name"),
    "gendered": M("staff.vetting.level.gendered", "differing in the last letter"),
    "skeleton": M("staff.vetting.level.skeleton", "the same in another spelling"),
    "sounds_alike": M("staff.vetting.level.sounds_alike", "a letter apart or sounding alike"),
    "similar": M("staff.vetting.level.similar", "similar"),
    "different": M("staff.vetting.level.different", "different"),
    "day_month_swapped": M(
        "staff.vetting.level.day_month_swapped", "the same with day and month swapped"
    ),
    "one_day": M("staff.vetting.level.one_day", "one day apart"),
    "one_digit": M("staff.vetting.level.one_digit", "one digit apart"),
    "decade_digit": M("staff.vetting.level.decade_digit", "one digit apart in the decade"),
    "two_digits": M("staff.vetting.level.two_digits", "two digits apart"),
}
"""How a field agreed, as a phrase (``puerta.vetting.compare``'s level codes)."""

SHOWN_HITS = 3
"""Hits spelt out per traveler; the rest are counted (``MORE``)."""


def result_name(result: str | None) -> Message:
    return RESULTS.get(result, RESULTS[None])


def _level(fields: Mapping[str, str], name: str) -> Message:
    return LEVELS.get(fields.get(name, "missing"), LEVELS["different"])


def _hit(hit: Mapping[str, Any]) -> list[tuple[Message, dict[str, Any]]]:
    fields = hit.get("fields", {})
    params = {
        "record_id": hit.get("record_id", ""),
        "given": _level(fields, "given_names"),
        "family": _level(fields, "family_names"),
        "birth": _level(fields, "date_of_birth"),
    }
    out = [(MATCH if hit.get("result") == "match" else POSSIBLE, params)]
    if fields.get("sex") == "different":
        out.append((SEX_DIFFERS, {}))
    if fields.get("document_number") == "different":
        out.append((DOCUMENT_DIFFERS, {}))
    elif fields.get("document_number") == "one_edit":
        out.append((DOCUMENT_NEAR, {}))
    if hit.get("note"):
        out.append((NOTE, {"note": hit["note"]}))
    return out


def sentences(
    result: str | None, evidence: Mapping[str, Any] | None
) -> list[tuple[Message, dict[str, Any]]]:
    """The explanation of one traveler's result, as catalog sentences and parameters."""
    if result is None:
        return [(NOT_VETTED, {})]
    hits = list((evidence or {}).get("hits", []))
    if result == "no_match" or not hits:
        return [(NO_MATCH, {})]
    out: list[tuple[Message, dict[str, Any]]] = []
    for hit in hits[:SHOWN_HITS]:
        out.extend(_hit(hit))
    if len(hits) > SHOWN_HITS:
        out.append((MORE, {"count": len(hits) - SHOWN_HITS}))
    out.append((ADVICE, {}))
    return out
