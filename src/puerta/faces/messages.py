"""What the officer reads of a face comparison: whole catalog sentences, rendered at the edge.

Every sentence says what the model saw and what to do; none is a decision.
"""

from __future__ import annotations

from typing import Any

from puerta.faces.matcher import Verdict
from puerta.i18n import M, Message

SAME = M(
    "faces.live.same_person",
    "The live photo shows the same person as traveler {traveler}'s registered photo "
    "(face distance {distance}; same person at {threshold} or less). Evidence, not a decision.",
)
DIFFERENT = M(
    "faces.live.different_person",
    "Different person: the live photo matches no traveler's registered photo (closest "
    "face distance {distance}, traveler {traveler}; same person at {threshold} or less). "
    "Check who is at the door; this refuses no one.",
)
NO_FACE = M(
    "faces.live.no_face",
    "No face found in the live photo or the registered photos: compare them by eye.",
)
POOR_QUALITY = M(
    "faces.live.poor_quality",
    "A photo is of poor quality ({quality}): compare them by eye.",
)
POOR_QUALITY_UNKNOWN = M(
    "faces.live.poor_quality_registered",
    "A registered photo is of poor quality: compare them by eye.",
)
PENDING = M("faces.live.pending", "The live photo has not been compared yet.")
QUALITY: dict[str, Message] = {
    "too_small": M("faces.quality.too_small", "the face is too small"),
    "blurred": M("faces.quality.blurred", "blurred"),
    "dark": M("faces.quality.dark", "too dark"),
}


def live_sentence(
    *,
    status: str,
    verdict: str | None,
    distance: float | None,
    threshold: float | None,
    traveler_position: int | None,
    quality: list[str],
) -> tuple[Message, dict[str, Any]]:
    """The sentence for a live-photo check, with its parameters (travelers count from 1)."""
    if status != "done" or verdict is None:
        return PENDING, {}
    traveler = (traveler_position or 0) + 1
    numbers = {"distance": distance, "threshold": threshold, "traveler": traveler}
    if verdict == Verdict.SAME:
        return SAME, numbers
    if verdict == Verdict.DIFFERENT:
        return DIFFERENT, numbers
    if verdict == Verdict.POOR_QUALITY:
        reasons = [QUALITY[q] for q in quality if q in QUALITY]
        return (POOR_QUALITY, {"quality": reasons}) if reasons else (POOR_QUALITY_UNKNOWN, {})
    return NO_FACE, {}
