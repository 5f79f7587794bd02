"""The liveness check ("Genuine Presence" in the report) behind an interface.

A real deployment plugs in a vendor client with its quota and rate limit; the
local provider does what can be done without one: the image must decode and
be large enough, and a byte-identical replay of an earlier submission fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from puerta.errors import PuertaError
from puerta.registration.photos import check_photo


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    reason: str
    image_sha256: str


class LivenessProvider(Protocol):
    name: str

    def check(self, image: bytes, *, seen_before: Callable[[str], bool]) -> LivenessResult: ...


class LocalLivenessProvider:
    name = "local"

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def check(self, image: bytes, *, seen_before: Callable[[str], bool]) -> LivenessResult:
        digest = hashlib.sha256(image).hexdigest()
        try:
            checked = check_photo(image, max_bytes=self.max_bytes, field="live_photo")
        except PuertaError as exc:
            return LivenessResult(False, exc.detail, digest)
        if seen_before(checked.sha256):
            return LivenessResult(
                False, "This photo was submitted before. Take a new live photo.", digest
            )
        return LivenessResult(True, "live photo accepted", digest)
