"""The live photo against a group's registered photos, and what the officer reads."""

from __future__ import annotations

from collections.abc import Callable

from PIL import ImageFilter

from puerta.faces import messages
from puerta.faces.matcher import DlibMatcher, FaceResult, FaceStatus, Verdict
from puerta.faces.service import RegisteredFace, best_outcome
from puerta.i18n import render
from tests.faces.conftest import as_png

THRESHOLD = 0.55


def group(encoded: Callable[[str], FaceResult], *names: str) -> list[RegisteredFace]:
    return [RegisteredFace("R1", i, n, encoded(n)) for i, n in enumerate(names)]


def say(outcome_verdict: str, **fields: object) -> str:
    message, params = messages.live_sentence(
        status="done",
        verdict=outcome_verdict,
        distance=fields.get("distance"),
        threshold=THRESHOLD,
        traveler_position=fields.get("position"),
        quality=list(fields.get("quality", [])),  # type: ignore[call-overload]
    )
    return render(message, params, locale="en")


def test_the_person_confirming_is_any_of_the_group(encoded: Callable[[str], FaceResult]) -> None:
    travelers = group(encoded, "biden.jpg", "obama.jpg")
    outcome = best_outcome(encoded("obama2.jpg"), travelers, threshold=THRESHOLD)
    assert outcome.comparison.verdict == Verdict.SAME
    assert outcome.traveler_position == 1
    text = say(outcome.comparison.verdict, distance=outcome.comparison.distance, position=1)
    assert text.startswith("The live photo shows the same person as traveler 2")


def test_nobody_of_the_group(encoded: Callable[[str], FaceResult]) -> None:
    travelers = group(encoded, "biden.jpg", "cage.jpg")
    outcome = best_outcome(encoded("obama2.jpg"), travelers, threshold=THRESHOLD)
    assert outcome.comparison.verdict == Verdict.DIFFERENT
    distances = [
        best_outcome(encoded("obama2.jpg"), [t], threshold=THRESHOLD).comparison.distance
        for t in travelers
    ]
    assert outcome.comparison.distance == min(d for d in distances if d is not None)


def test_a_blurred_live_photo_is_poor_quality_not_a_verdict(
    matcher: DlibMatcher, photo: Callable[[str], bytes], encoded: Callable[[str], FaceResult]
) -> None:
    blurred = matcher.encode(
        as_png(photo("obama2.jpg"), lambda im: im.filter(ImageFilter.GaussianBlur(5)))
    )
    outcome = best_outcome(blurred, group(encoded, "obama.jpg"), threshold=THRESHOLD)
    assert outcome.comparison.verdict == Verdict.POOR_QUALITY
    assert say(Verdict.POOR_QUALITY, quality=blurred.quality) == (
        "A photo is of poor quality (blurred): compare them by eye."
    )


def test_no_registered_photo_with_a_face(encoded: Callable[[str], FaceResult]) -> None:
    outcome = best_outcome(
        encoded("obama.jpg"),
        [RegisteredFace("R1", 0, "x", FaceResult(FaceStatus.NO_FACE))],
        threshold=THRESHOLD,
    )
    assert outcome.comparison.verdict == Verdict.NO_FACE
    assert outcome.traveler_position is None
    assert best_outcome(encoded("obama.jpg"), [], threshold=THRESHOLD).comparison.verdict == (
        Verdict.NO_FACE
    )
