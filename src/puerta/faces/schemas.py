"""The face comparison as the officer's JSON shows it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from puerta.faces import messages
from puerta.faces.models import LiveFaceCheck
from puerta.i18n import Message


class LiveFaceCheckOut(BaseModel):
    """The live photo of the confirmation against the travelers' registered photos.

    ``verdict`` is ``same_person``, ``different_person``, ``no_face`` or
    ``poor_quality`` (null while pending); ``distance`` is the face distance of the
    closest traveler (``traveler_position``), same person at ``threshold`` or less.
    ``summary`` says it in the reader's language. Evidence for the officer: it
    never refuses anyone.
    """

    status: str
    verdict: str | None
    distance: float | None
    threshold: float | None
    traveler_position: int | None
    live_photo: str | None
    """What the model saw in the live photo: found, no_face, poor_quality, unreadable."""
    quality: list[str]
    checked_at: datetime | None
    summary: str


def live_check_out(
    check: LiveFaceCheck | None, render: Callable[[Message, dict[str, Any]], str]
) -> LiveFaceCheckOut | None:
    """A stored ``LiveFaceCheck`` for the officer, its summary rendered by ``render``."""
    if check is None:
        return None
    fields = {
        "status": check.status,
        "verdict": check.verdict,
        "distance": check.distance,
        "threshold": check.threshold,
        "traveler_position": check.traveler_position,
        "quality": list(check.quality or []),
    }
    message, params = messages.live_sentence(**fields)
    return LiveFaceCheckOut(
        **fields,
        live_photo=check.live_status,
        checked_at=check.checked_at,
        summary=render(message, params),
    )
