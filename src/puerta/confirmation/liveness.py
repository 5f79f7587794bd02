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

from puerta.errors import LIVENESS_REASONS, Coded, PuertaError
from puerta.i18n import Message
from puerta.registration.photos import check_photo

ACCEPTED = LIVENESS_REASONS["liveness.accepted"]
REPLAYED = LIVENESS_REASONS["liveness.replayed"]


@dataclass(frozen=True)
class LivenessResult:
    """The verdict: ``reason`` is a coded message (or the photo's own coded problem)."""

    passed: bool
    reason: Message | Coded
    image_sha256: str

    @property
    def reason_code(self) -> str:
        return self.reason.code


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
            return LivenessResult(False, exc, digest)
        if seen_before(checked.sha256):
            return LivenessResult(False, REPLAYED, digest)
        return LivenessResult(True, ACCEPTED, digest)
