"""The liveness check ("Genuine Presence" in the report) behind an interface.

The vendor's client (``vendor.py``) keeps to the contract's rate and quota; the
local provider does what can be done without one: the image must decode and
be large enough, and a byte-identical replay of an earlier submission fails.

A provider that cannot answer now (the vendor saturated, its breaker open, its
quota spent) raises :class:`Saturated`: the confirmation then queues the scan
(``queue.py``) instead of failing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from puerta.errors import LIVENESS_REASONS, Coded, PuertaError
from puerta.i18n import Message
from puerta.registration.photos import check_photo

ACCEPTED = LIVENESS_REASONS["liveness.accepted"]
REPLAYED = LIVENESS_REASONS["liveness.replayed"]
NOT_LIVE = LIVENESS_REASONS["liveness.not_live"]


class Saturated(Exception):
    """The provider cannot give a verdict now; ``until`` is when to ask again, if known.

    ``reason`` is ``rate`` (no slot of the contract's rate free), ``open`` (the circuit
    breaker is open), ``quota`` (the contract's total is spent: nothing to wait for
    until operators renew it) or ``failing`` (the tries of this scan failed).
    """

    def __init__(self, reason: str, until: datetime | None = None) -> None:
        super().__init__(f"liveness vendor saturated: {reason}")
        self.reason = reason
        self.until = until


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

    def check(
        self, image: bytes, *, seen_before: Callable[[str], bool], wait: bool = True
    ) -> LivenessResult:
        """The verdict. ``wait=False`` (the request path): answer at once or raise
        ``Saturated``; ``wait=True`` (a worker): wait for the contract's slot and retry."""
        ...


class LocalLivenessProvider:
    name = "local"

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def check(
        self,
        image: bytes,
        *,
        seen_before: Callable[[str], bool],
        wait: bool = True,  # noqa: ARG002 (the local checks never wait)
    ) -> LivenessResult:
        digest = hashlib.sha256(image).hexdigest()
        try:
            checked = check_photo(image, max_bytes=self.max_bytes, field="live_photo")
        except PuertaError as exc:
            return LivenessResult(False, exc, digest)
        if seen_before(checked.sha256):
            return LivenessResult(False, REPLAYED, digest)
        return LivenessResult(True, ACCEPTED, digest)
