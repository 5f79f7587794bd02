"""Guessing passwords: a pause that grows with each wrong password, per account and per
address, and never locks a person out for good.

Policy (NIST SP 800-63B 5.2.2: at most 100 consecutive failures per account):

- An account has ``ACCOUNT_FREE`` wrong passwords with no pause; after that each one
  pauses sign-in for ``FIRST_PAUSE``, doubling, up to ``MAX_PAUSE``. A guesser gets
  about 100 tries a day, far too few for any password the sign-up rules accept.
- An address (a shelter's phones share one) has ``ADDRESS_FREE`` before the same pauses,
  so one person's mistakes never stop the others; it forgets after ``ADDRESS_MEMORY``.
- A pause is never longer than ``MAX_PAUSE``, and getting a new password by email ends
  it: an attacker can slow a person down, never lock them out.
- The first pause of a run of failures tells the account's owner by email.

A signed-in account starts from zero; an address does not (a guesser with one account
of their own must not wipe the count of the accounts they guess at).

``pause_for`` is pure; the rest reads and writes ``SignInThrottle`` rows in the
caller's transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_
from sqlalchemy.orm import Session

from puerta.accounts.models import SignInThrottle
from puerta.errors import SignInPaused

ACCOUNT_FREE = 5
ADDRESS_FREE = 30
FIRST_PAUSE = timedelta(seconds=30)
MAX_PAUSE = timedelta(minutes=15)
ACCOUNT_MEMORY = timedelta(days=1)
ADDRESS_MEMORY = timedelta(hours=1)


@dataclass(frozen=True)
class Key:
    name: str
    free: int
    memory: timedelta

    @property
    def is_account(self) -> bool:
        return self.name.startswith("account:")


def account_key(email: str) -> Key:
    return Key(f"account:{email.strip().lower()}", ACCOUNT_FREE, ACCOUNT_MEMORY)


def address_key(ip: str) -> Key:
    return Key(f"address:{ip}", ADDRESS_FREE, ADDRESS_MEMORY)


def keys_for(email: str, ip: str | None) -> list[Key]:
    return [account_key(email), *([address_key(ip)] if ip else [])]


def pause_for(failures: int, free: int) -> timedelta:
    """The pause after ``failures`` consecutive wrong passwords.

    Example:
        >>> [pause_for(n, 5).total_seconds() for n in (4, 5, 6, 7, 20)]
        [0.0, 30.0, 60.0, 120.0, 900.0]
    """
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 10)
    return min(FIRST_PAUSE * (2**doublings), MAX_PAUSE)


def check(session: Session, keys: list[Key], now: datetime) -> None:
    """Refuse now, before the slow password check, if any key is paused."""
    waits = []
    for key in keys:
        row = session.get(SignInThrottle, key.name)
        if row is not None and row.paused_until is not None and row.paused_until > now:
            waits.append(row.paused_until - now)
    if waits:
        raise SignInPaused(minutes=max(1, math.ceil(max(waits).total_seconds() / 60)))


def record_failure(session: Session, keys: list[Key], now: datetime) -> bool:
    """Count a wrong password on every key; whether the account's owner should now be
    told (its first pause in this run of failures)."""
    tell = False
    for key in keys:
        row = session.get(SignInThrottle, key.name, with_for_update=True)
        if row is None:
            row = SignInThrottle(key=key.name, failures=0, last_failed_at=now)
            session.add(row)
        elif now - row.last_failed_at > key.memory:
            row.failures, row.told_at = 0, None
        row.failures += 1
        row.last_failed_at = now
        pause = pause_for(row.failures, key.free)
        row.paused_until = now + pause if pause else None
        if key.is_account and pause and row.told_at is None:
            row.told_at, tell = now, True
    session.flush()
    return tell


def sweep(session: Session, now: datetime) -> int:
    """Delete the rows whose run of failures is forgotten (older than its key's memory,
    so no pause can be left in them); how many went. The periodic job and
    ``puerta limits sweep`` call it, so the table holds only the last day's failures."""
    stale = or_(
        and_(
            SignInThrottle.key.startswith("account:"),
            SignInThrottle.last_failed_at < now - ACCOUNT_MEMORY,
        ),
        and_(
            SignInThrottle.key.startswith("address:"),
            SignInThrottle.last_failed_at < now - ADDRESS_MEMORY,
        ),
        SignInThrottle.last_failed_at < now - max(ACCOUNT_MEMORY, ADDRESS_MEMORY),
    )
    stale = and_(
        stale, or_(SignInThrottle.paused_until.is_(None), SignInThrottle.paused_until <= now)
    )
    result = session.execute(delete(SignInThrottle).where(stale))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forget(session: Session, key: Key) -> None:
    """The account signed in, or its password was reset by email: start from zero."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == key.name))
