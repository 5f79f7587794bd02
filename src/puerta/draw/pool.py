"""The plain values a draw works on. No ORM here: draws are pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PoolEntry:
    """One registration's request in one day's pool."""

    request_id: int
    registration_id: str
    port_code: str
    seats: int
    """Travelers in the group: capacity counts travelers."""
    registered_at: datetime
    """When the registration was created: seniority."""
    persons: tuple[str, ...] = field(default=())
    """Person keys of the travelers (for draws that resolve persons)."""


@dataclass(frozen=True, slots=True)
class Pick:
    """A request chosen by a draw, and why."""

    request_id: int
    reason: str
    """``seniority`` or ``random``."""
