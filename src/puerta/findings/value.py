"""The plain value every trend analysis returns, and the findings store keeps.

Analyses (``puerta.trends``) are pure: they read a frame and return ``Finding``
values. The findings store persists them, keyed on ``key`` so that a re-run
updates a finding instead of adding a duplicate. The value lives here, in
``puerta.findings``, so that the store never imports the analyses: ``trends``
depends on ``findings``, never the other way round. Keep this module small and
stable: the identity, address, burst and ring analyses all import it.

Example:
    >>> f = Finding(
    ...     kind=ADDRESS_CLUSTER,
    ...     key=stable_key(ADDRESS_CLUSTER, "123 MAIN ST|HOUSTON|TX"),
    ...     score=7.5,
    ...     explanation="27 travelers with 19 different surnames gave 123 Main St ...",
    ...     evidence={"travelers": 27},
    ...     registration_ids=("R1", "R2"),
    ...     travelers=(("R1", 0), ("R2", 0)),
    ...     normalised_keys=("123 MAIN ST|HOUSTON|TX",),
    ... )
    >>> f.to_dict()["kind"]
    'address_cluster'
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

ADDRESS_CLUSTER = "address_cluster"
"""Many apparently unrelated travelers gave one U.S. address."""
KNOWN_ADDRESS = "known_address"
"""A listed shelter or sponsor address: reported apart, never as suspicious."""
DUPLICATE_PERSON = "duplicate_person"
"""One person behind several registrations (identity resolution)."""
REGISTRATION_BURST = "registration_burst"
"""Registrations seconds apart from one device, IP range or email pattern, or too-fast forms."""
SHARED_CONTACT_RING = "shared_contact_ring"
"""Apparently unrelated travelers tied together by phone, email, device or photo."""

KINDS = (ADDRESS_CLUSTER, KNOWN_ADDRESS, DUPLICATE_PERSON, REGISTRATION_BURST, SHARED_CONTACT_RING)

TravelerRef = tuple[str, int]
"""A traveler as (registration id, position in the registration)."""


def stable_key(kind: str, *parts: object) -> str:
    """A short key that is the same on every run for the same normalised parts.

    The parts are hashed so the key carries no personal data and has a
    bounded length; the readable normalised keys travel in ``normalised_keys``.

    Example:
        >>> stable_key("address_cluster", "123 MAIN ST|HOUSTON|TX")
        'address_cluster:a473ebd1947fb018'
    """
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f"{kind}:{digest[:16]}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing an officer should look at, with what it rests on.

    Attributes:
        kind: One of ``KINDS``.
        key: Stable identity of the finding across runs (see ``stable_key``).
        score: Higher is more suspicious; comparable within one kind only.
        explanation: One or two sentences an officer reads in ten seconds.
        evidence: Counts, variants and signals behind the score (JSON-able).
        registration_ids: Registrations involved, sorted.
        travelers: Travelers involved as (registration id, position), sorted.
        normalised_keys: The normalised values the finding groups on
            (address key, device id, IP range, email pattern, phone...).
        flagged: False for findings reported for context only (known shelters).
    """

    kind: str
    key: str
    score: float
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    registration_ids: tuple[str, ...] = ()
    travelers: tuple[TravelerRef, ...] = ()
    normalised_keys: tuple[str, ...] = ()
    flagged: bool = True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the export format's record)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "score": self.score,
            "explanation": self.explanation,
            "evidence": self.evidence,
            "registration_ids": list(self.registration_ids),
            "travelers": [[rid, pos] for rid, pos in self.travelers],
            "normalised_keys": list(self.normalised_keys),
            "flagged": self.flagged,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Inverse of ``to_dict``."""
        return cls(
            kind=data["kind"],
            key=data["key"],
            score=float(data["score"]),
            explanation=data["explanation"],
            evidence=dict(data.get("evidence", {})),
            registration_ids=tuple(data.get("registration_ids", ())),
            travelers=tuple((str(r), int(p)) for r, p in data.get("travelers", ())),
            normalised_keys=tuple(data.get("normalised_keys", ())),
            flagged=bool(data.get("flagged", True)),
        )
