"""Face encodings and their comparison, behind an interface.

``FaceMatcher.encode`` turns a photo into a ``FaceResult``: a 128-number encoding of
the largest face, or the reason there is none (no face found, or a face too small,
blurred or dark to compare). ``compare`` is pure: two results give a ``Comparison``
(same person, different person, no face, poor quality) with the distance.

``DlibMatcher`` uses dlib's HOG face detector, its 5-point landmark model and its
ResNet face-recognition model (the ``face-recognition-models`` package, which ships
the model files; ``dlib-bin`` ships dlib prebuilt). The models are loaded once per
process, on first use (about a second), and the encoding is slow (a few hundred
milliseconds a photo on one core): callers keep it off the request path.

A comparison is evidence for an officer, never a decision: nothing refuses a person
because of it.

Example:
    >>> a = FaceResult(FaceStatus.FOUND, encoding=(0.0,) * 128)
    >>> b = FaceResult(FaceStatus.FOUND, encoding=(0.1,) + (0.0,) * 127)
    >>> compare(a, b, threshold=0.5).verdict
    <Verdict.SAME: 'same_person'>
    >>> compare(a, FaceResult(FaceStatus.NO_FACE), threshold=0.5).verdict
    <Verdict.NO_FACE: 'no_face'>
"""

from __future__ import annotations

import importlib.util
import io
import math
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

MODEL_NAME = "dlib-resnet-v1"
"""The model an encoding was made with: encodings of different models never compare."""
ENCODING_SIZE = 128
#: Images are scaled down to this longest side before detection (speed, and memory).
MAX_SIDE = 1280
#: Below this face width in the image (pixels), the encoding is not to be trusted.
MIN_FACE_PX = 60
#: Sharpness of the aligned 150 px face (variance of its Laplacian over its own variance,
#: so that a dark or low-contrast face is not called blurred) below which it is called
#: blurred: a Gaussian blur of radius 3 on a sharp portrait gives about 0.018; the soft
#: frames of a PAL video, 0.025 to 0.065.
MIN_SHARPNESS = 0.02
#: Mean brightness (0-255) of the aligned face below which it is called dark.
MIN_BRIGHTNESS = 40.0


class FaceStatus(StrEnum):
    FOUND = "found"
    NO_FACE = "no_face"
    POOR_QUALITY = "poor_quality"
    UNREADABLE = "unreadable"


class Verdict(StrEnum):
    SAME = "same_person"
    DIFFERENT = "different_person"
    NO_FACE = "no_face"
    POOR_QUALITY = "poor_quality"


@dataclass(frozen=True)
class FaceResult:
    """What the model saw in one photo.

    Attributes:
        status: Whether a usable face was found.
        encoding: The 128 numbers of the largest face (also kept for a poor-quality
            face, so that its distance can still be shown); empty without a face.
        quality: Why the face is poor: ``too_small``, ``blurred`` or ``dark``.
        faces: How many faces the detector found.
        face_px: The width of the largest face in the photo, in pixels.
        sharpness: Relative variance of the Laplacian of the aligned face (see
            ``MIN_SHARPNESS``).
        brightness: Mean brightness of the aligned face, 0 to 255.
    """

    status: FaceStatus
    encoding: tuple[float, ...] = ()
    quality: tuple[str, ...] = ()
    faces: int = 0
    face_px: int = 0
    sharpness: float = 0.0
    brightness: float = 0.0
    model: str = MODEL_NAME


@dataclass(frozen=True)
class Comparison:
    verdict: Verdict
    distance: float | None
    threshold: float


class FaceMatcher(Protocol):
    name: str

    def encode(self, image: bytes) -> FaceResult: ...


def distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Euclidean distance between two encodings (0: identical; dlib's own cut is 0.6)."""
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def compare(a: FaceResult, b: FaceResult, *, threshold: float) -> Comparison:
    """Same or different person, or why the two photos cannot be compared.

    A missing face wins over poor quality; a poor-quality face keeps its distance,
    shown for what it is worth, but is never called the same or a different person.
    """
    dist = (
        round(distance(a.encoding, b.encoding), 4)
        if a.encoding and b.encoding and a.model == b.model
        else None
    )
    if dist is None:
        return Comparison(Verdict.NO_FACE, None, threshold)
    if FaceStatus.POOR_QUALITY in (a.status, b.status):
        return Comparison(Verdict.POOR_QUALITY, dist, threshold)
    verdict = Verdict.SAME if dist <= threshold else Verdict.DIFFERENT
    return Comparison(verdict, dist, threshold)


def decode_rgb(image: bytes, max_side: int = MAX_SIDE) -> Image.Image | None:
    """The photo upright (EXIF orientation) in RGB, scaled to ``max_side``; None if unreadable."""
    try:
        with Image.open(io.BytesIO(image)) as img:
            img = ImageOps.exif_transpose(img)
            rgb = img.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        return None
    rgb.thumbnail((max_side, max_side))
    return rgb


def _sharpness(gray: Any) -> float:
    """Variance of a 4-neighbour Laplacian over the image's variance: low when blurred."""
    import numpy as np

    g = gray.astype(np.float64)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1]
    return float(lap.var() / max(float(g.var()), 1.0))


def _model_dir() -> Path:
    """Where ``face_recognition_models`` keeps its files, without importing it (its
    ``__init__`` imports the deprecated ``pkg_resources``)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the face-recognition-models package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class _Models:
    """dlib's detector, landmark and recognition models: loaded once per process."""

    _lock = threading.Lock()
    _loaded: _Models | None = None

    def __init__(self) -> None:
        import dlib

        models = _model_dir()
        self.detector = dlib.get_frontal_face_detector()
        self.landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        self.recognition = dlib.face_recognition_model_v1(
            str(models / "dlib_face_recognition_resnet_model_v1.dat")
        )
        self.dlib = dlib

    @classmethod
    def get(cls) -> _Models:
        with cls._lock:
            if cls._loaded is None:
                cls._loaded = cls()
            return cls._loaded


class DlibMatcher:
    """The dlib ResNet model (99.38% on LFW by its author's measure; see
    ``python -m puerta.bench.faces`` for what it does on the images we can ship).

    dlib's models are not safe to share between threads: each call takes a lock, so a
    pool of N threads encodes one photo at a time; use processes for more.
    """

    name = MODEL_NAME

    def __init__(self, *, min_face_px: int = MIN_FACE_PX) -> None:
        self.min_face_px = min_face_px
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the models now (they load on first use otherwise)."""
        _Models.get()

    def encode(self, image: bytes) -> FaceResult:
        import numpy as np

        rgb = decode_rgb(image)
        if rgb is None:
            return FaceResult(FaceStatus.UNREADABLE)
        models = _Models.get()
        pixels = np.asarray(rgb)
        with self._lock:
            # Small photos are looked at twice as large: the detector misses faces
            # under about 80 pixels.
            upsample = 1 if max(rgb.size) < 800 else 0
            faces = list(models.detector(pixels, upsample))
            if not faces:
                return FaceResult(FaceStatus.NO_FACE)
            face = max(faces, key=lambda r: r.width() * r.height())
            shape = models.landmarks(pixels, face)
            chip = models.dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
            encoding = models.recognition.compute_face_descriptor(chip)
        gray = np.asarray(Image.fromarray(chip).convert("L"))
        sharpness = round(_sharpness(gray), 4)
        brightness = round(float(gray.mean()), 1)
        face_px = int(face.width())
        quality = tuple(
            reason
            for reason, poor in (
                ("too_small", face_px < self.min_face_px),
                ("blurred", sharpness < MIN_SHARPNESS),
                ("dark", brightness < MIN_BRIGHTNESS),
            )
            if poor
        )
        return FaceResult(
            FaceStatus.POOR_QUALITY if quality else FaceStatus.FOUND,
            encoding=tuple(float(x) for x in encoding),
            quality=quality,
            faces=len(faces),
            face_px=face_px,
            sharpness=sharpness,
            brightness=brightness,
        )
