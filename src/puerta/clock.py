"""The one source of "now".

Windows and deadlines are business rules; tests move time by swapping the clock
instead of sleeping. Nothing else reads the wall clock (ruff's banned-api rule
keeps ``datetime.now`` and friends out of the rest of the code).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests and replays: it only moves when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **kwargs: float) -> None:
        self._at += timedelta(**kwargs)


_IN_EFFECT: ContextVar[Clock | None] = ContextVar("puerta_clock_in_effect", default=None)


@contextmanager
def in_effect(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the one ``today()`` reads until the block ends (this context only).

    The web app wraps every request in its clock; the bulk importer wraps an import.
    """
    token = _IN_EFFECT.set(clock)
    try:
        yield clock
    finally:
        _IN_EFFECT.reset(token)


def current() -> Clock:
    """The clock in effect (``in_effect``), else the system clock."""
    return _IN_EFFECT.get() or SystemClock()


def today() -> date:
    """The UTC date of the clock in effect, else of the system clock.

    For rules that run where no clock can be handed in: Pydantic field validators
    run inside FastAPI's body parsing and the importer's column-wise checks.
    """
    return current().now().date()


def as_utc(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored datetime is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
