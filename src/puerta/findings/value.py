"""The plain value every trend analysis returns, and the findings store keeps.

Analyses (``puerta.trends``) are pure: they read a frame and return ``Finding``
values. The findings store persists them, keyed on ``key`` so that a re-run
updates a finding instead of adding a duplicate. The value lives here, in
``puerta.findings``, so that the store never imports the analyses: ``trends``
depends on ``findings``, never the other way round. Keep this module small and
stable: the identity, address, burst and ring analyses all import it.

The explanation is a tuple of catalog sentences with JSON-native parameters
(``puerta.findings.explain``), never English: the edge renders it in the
reader's language; ``to_dict`` (the JSON Lines export's record) adds the
English text beside the codes.

Example:
    >>> from puerta.findings import explain
    >>> f = Finding(
    ...     kind=ADDRESS_CLUSTER,
    ...     key=stable_key(ADDRESS_CLUSTER, "123 MAIN ST|HOUSTON|TX"),
    ...     score=7.5,
    ...     explanation=(explain.sentence(explain.ADDRESS_NO_PORT),),
    ...     evidence={"travelers": 27},
    ...     registration_ids=("R1", "R2"),
    ...     travelers=(("R1", 0), ("R2", 0)),
    ...     normalised_keys=("123 MAIN ST|HOUSTON|TX",),
    ... )
    >>> f.to_dict()["kind"], f.explanation_codes
    ('address_cluster', ('explain.address_cluster.no_port',))
    >>> f.to_dict()["explanation"]
    'No appointments yet.'
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from puerta.findings.explain import Sentence, render_explanation

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
SHARED_SERVICE_CONTACT = "shared_service_contact"
"""One phone, email or device given by very many unrelated households across many ports
(an aid organisation's, a shelter's), or a listed one: for an analyst to classify, never a
ring and not a sign of fraud by itself."""

IMPOSSIBLE_TRAVEL = "impossible_travel"
"""A confirmation sent from farther than ground travel allows since the request."""
SHARED_COORDINATES = "shared_coordinates"
"""Many registrations of different travelers at the same coordinates to the metre."""
IMPLAUSIBLE_LOCATION = "implausible_location"
"""A location at a known software default, given too coarsely, too exactly, or frozen."""
DEVICE_JUMP = "device_jump"
"""One device reporting places far apart within minutes."""

LOCATION_KINDS = (IMPOSSIBLE_TRAVEL, SHARED_COORDINATES, IMPLAUSIBLE_LOCATION, DEVICE_JUMP)
"""Location signals (trends/location.py): never verdicts, each a question for an interview."""

SAME_FACE = "same_face"
"""Registered photos on different registrations that the face model calls one face
(``trends.faces``). Evidence for review only: unlike a duplicate person, it never
reaches the draw."""

KINDS = (
    ADDRESS_CLUSTER,
    KNOWN_ADDRESS,
    DUPLICATE_PERSON,
    REGISTRATION_BURST,
    SHARED_CONTACT_RING,
    SHARED_SERVICE_CONTACT,
    *LOCATION_KINDS,
    SAME_FACE,
)

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
        explanation: The sentences an officer reads in ten seconds, as catalog
            messages with JSON-native parameters (``explain.sentence``).
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
    explanation: tuple[Sentence, ...]
    evidence: dict[str, Any] = field(default_factory=dict)
    registration_ids: tuple[str, ...] = ()
    travelers: tuple[TravelerRef, ...] = ()
    normalised_keys: tuple[str, ...] = ()
    flagged: bool = True

    @property
    def explanation_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.explanation)

    def explanation_json(self) -> list[dict[str, Any]]:
        """``[{"code": ..., "params": {...}}, ...]``: what the store keeps."""
        return [s.to_json() for s in self.explanation]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the export format's record, English text beside the codes)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "score": self.score,
            "explanation": render_explanation(self.explanation),
            "explanation_codes": list(self.explanation_codes),
            "explanation_params": [dict(s.params) for s in self.explanation],
            "evidence": self.evidence,
            "registration_ids": list(self.registration_ids),
            "travelers": [[rid, pos] for rid, pos in self.travelers],
            "normalised_keys": list(self.normalised_keys),
            "flagged": self.flagged,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Inverse of ``to_dict`` (the explanation comes back from its codes and parameters)."""
        return cls(
            kind=data["kind"],
            key=data["key"],
            score=float(data["score"]),
            explanation=tuple(
                Sentence.from_json({"code": c, "params": p})
                for c, p in zip(
                    data.get("explanation_codes", ()),
                    data.get("explanation_params", ()),
                    strict=True,
                )
            ),
            evidence=dict(data.get("evidence", {})),
            registration_ids=tuple(data.get("registration_ids", ())),
            travelers=tuple((str(r), int(p)) for r, p in data.get("travelers", ())),
            normalised_keys=tuple(data.get("normalised_keys", ())),
            flagged=bool(data.get("flagged", True)),
        )
