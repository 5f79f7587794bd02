"""Reading stored vetting results: what the arrivals list and the briefing show.

Kept apart from the matching (``decide``, ``watchlist``, which build on the
trend analysis's name keys) so that ``puerta.findings`` can read results
without depending on ``puerta.trends`` (an import contract).

A traveler's entry is their stored result, or ``None`` ("not vetted yet") when
there is none: an officer sees that a traveler was not checked, rather than
nothing at all. Reading is staff-only; the routes that show it record the read
(``arrival.read``, ``briefing.read``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.i18n import Message
from puerta.i18n.translate import json_params
from puerta.vetting import messages
from puerta.vetting.models import VettingResult

_CHUNK = 1000

Say = Callable[[Message, dict[str, Any]], str]
"""Renders a catalog message for the reader (``puerta.web.language.say`` bound to a request)."""


def for_appointments(
    session: Session, appointment_ids: Sequence[int]
) -> dict[int, list[VettingResult]]:
    """Each appointment's results, by traveler position (one statement per thousand)."""
    out: dict[int, list[VettingResult]] = {}
    ids = sorted(set(appointment_ids))
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(VettingResult)
            .where(VettingResult.appointment_id.in_(ids[start : start + _CHUNK]))
            .order_by(VettingResult.appointment_id, VettingResult.position)
        )
        for row in session.scalars(query):
            out.setdefault(row.appointment_id, []).append(row)
    return out


@dataclass(frozen=True)
class TravelerVetting:
    """One traveler's vetting as stored (``result`` None: not vetted yet)."""

    position: int
    result: str | None
    evidence: dict[str, Any]
    list_version: str | None
    checked_at: datetime | None

    @property
    def flagged(self) -> bool:
        """A result for the officer to look at before the traveler arrives."""
        return self.result in ("possible_match", "match")

    def explained(self, say: Say) -> dict[str, Any]:
        """The entry with its result's name and explanation rendered by ``say``."""
        parts = messages.sentences(self.result, self.evidence)
        return {
            "position": self.position,
            "result": self.result,
            "result_name": say(messages.result_name(self.result), {}),
            "explanation": " ".join(say(m, p) for m, p in parts),
            "explanation_codes": [m.code for m, _ in parts],
            "explanation_params": [json_params(p) for _, p in parts],
            "evidence": self.evidence,
            "list_version": self.list_version,
            "checked_at": self.checked_at,
        }


def per_traveler(positions: Sequence[int], rows: Sequence[VettingResult]) -> list[TravelerVetting]:
    """One entry per traveler position, stored or "not vetted yet", in position order."""
    by_position = {r.position: r for r in rows}
    out = []
    for position in sorted(positions):
        row = by_position.get(position)
        out.append(
            TravelerVetting(
                position=position,
                result=row.result if row else None,
                evidence=dict(row.evidence or {}) if row else {},
                list_version=row.list_version if row else None,
                checked_at=row.checked_at if row else None,
            )
        )
    return out
