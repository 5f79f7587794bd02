"""The interface to records: given travelers' advance information, the hits it finds.

Why an interface: the default adapter reads a watch list file
(:mod:`puerta.vetting.watchlist`), but a port may one day ask a records system
of its own. Anything with a ``version`` and a ``check`` is a
:class:`RecordSource`; the service stores what it answers and never asks how.

The values are plain and language-free: a result is a code (:class:`Result`),
the evidence per field a level code (:mod:`puerta.vetting.compare`); the edge
renders them in the officer's language (:mod:`puerta.vetting.messages`).

What a traveler is checked on is their identity only: names, date of birth,
and, when both sides have one, sex and a document number. Nationality and
language are not in :class:`AdvanceInfo` at all; citizenship is there only to
corroborate a document number that agrees (a passport number is unique only
within its issuing country), never as a signal of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class Result(StrEnum):
    """A traveler's vetting result, strongest last (``max`` picks the strongest)."""

    NO_MATCH = "no_match"
    POSSIBLE_MATCH = "possible_match"
    MATCH = "match"

    @property
    def rank(self) -> int:
        return list(Result).index(self)


@dataclass(frozen=True, slots=True)
class AdvanceInfo:
    """One traveler's advance information, as vetting reads it.

    ``document_number`` is None while Puerta's registration asks for none; a
    records source that knows one still compares it when it is given.
    """

    given_names: str
    family_names: str
    date_of_birth: date
    sex: str | None = None
    citizenship: str | None = None
    document_number: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """One person a records source holds (a watch list's row)."""

    record_id: str
    given_names: str
    family_names: str
    date_of_birth: date
    sex: str | None = None
    citizenship: str | None = None
    document_number: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A record that may be the traveler, with how each field agreed.

    ``fields`` maps a field (``given_names``, ``family_names``,
    ``date_of_birth``, ``sex``, ``document_number``, ``citizenship``) to its
    level code (:mod:`puerta.vetting.compare`).
    """

    record_id: str
    result: Result
    fields: dict[str, str]
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "record_id": self.record_id,
            "result": self.result.value,
            "fields": dict(self.fields),
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Verdict:
    """One traveler's result and the hits behind it (none for ``no_match``)."""

    result: Result
    hits: tuple[Hit, ...] = field(default_factory=tuple)

    def evidence(self, source: str) -> dict[str, Any]:
        """What is stored as ``vetting_results.evidence``: the source and every hit."""
        return {"source": source, "hits": [h.to_json() for h in self.hits]}


@runtime_checkable
class RecordSource(Protocol):
    """Anything that checks travelers against records."""

    @property
    def source(self) -> str:
        """A short name of the kind of source (``watch_list``), kept in the evidence."""
        ...

    @property
    def version(self) -> str:
        """What the answers depend on (a watch list's content hash): a new version
        means every upcoming traveler is checked again."""
        ...

    def check(self, travelers: Sequence[AdvanceInfo]) -> list[Verdict]:
        """One verdict per traveler, in order."""
        ...
