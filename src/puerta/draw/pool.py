"""The plain values a draw works on, and the seat rule both draws share.

No ORM here: draws are pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction


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


def senior_seats(capacity: int, seniority_share: float) -> int:
    """Seats a port gives by seniority: ``floor(capacity x share)``, the share
    read as the decimal it is written as.

    Why one function: the baseline and Puerta's draw must reserve the same
    seats for the same setting, and ``int(capacity * share)`` does not: in
    binary floating point ``100 * 0.29`` is ``28.999999999999996``.

    Example:
        >>> senior_seats(100, 0.29), int(100 * 0.29)
        (29, 28)
    """
    return int(Fraction(str(seniority_share)) * capacity)
