"""Photos: sniffed from their bytes, size-limited, stored by content hash.

The bytes live outside the database behind PhotoStore, so a deployment can
move them to object storage without touching the rest.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageStat, UnidentifiedImageError

from puerta.errors import (
    PhotoEmpty,
    PhotoNotJpegOrPng,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoTooSmall,
    PhotoUnreadable,
)

MIN_SIDE = 200
#: Below this mean brightness the officer may not see the face; the photo is still kept
#: (a refusal here is what kept people retrying for hours), with advice to retake it.
DARK_BELOW = 60.0
MAX_PIXELS = 40_000_000
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    sha256: str
    content_type: str
    width: int
    height: int
    #: Mean brightness, 0 (black) to 255 (white): a dark photo is kept, with advice.
    brightness: float = 128.0

    @property
    def looks_dark(self) -> bool:
        return self.brightness < DARK_BELOW


def sniff(data: bytes) -> str | None:
    for magic, content_type in _MAGIC.items():
        if data.startswith(magic):
            return content_type
    return None


def check_photo(data: bytes, *, max_bytes: int, field: str = "photo") -> CheckedPhoto:
    """Accept a JPEG or PNG of a sane size that really decodes; say why not otherwise."""
    if len(data) > max_bytes:
        raise PhotoTooLarge(
            size_mb=round(len(data) / 1e6, 1), limit_mb=round(max_bytes / 1e6, 1), field=field
        )
    if not data:
        raise PhotoEmpty(field=field)
    content_type = sniff(data)
    if content_type is None:
        raise PhotoNotJpegOrPng(field=field)
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise PhotoTooManyPixels(field=field)
            img.load()
            small = img.convert("L")
            small.thumbnail((64, 64))
            brightness = float(ImageStat.Stat(small).mean[0])
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise PhotoUnreadable(field=field) from None
    if min(width, height) < MIN_SIDE:
        raise PhotoTooSmall(width=width, height=height, min_side=MIN_SIDE, field=field)
    return CheckedPhoto(
        data, hashlib.sha256(data).hexdigest(), content_type, width, height, brightness
    )


class PhotoStore(Protocol):
    def put(self, sha256: str, data: bytes) -> None: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...


class FileSystemPhotoStore:
    """Content-addressed files: ``ab/cd/abcd...``; writes are atomic renames."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def delete(self, sha256: str) -> None:
        """Remove a photo's file (a live photo past its retention); gone already is fine."""
        self._path(sha256).unlink(missing_ok=True)
