"""The one interface every cap uses, and its two backends, both shared by every worker
and machine.

- :class:`DatabaseStore` (the default): counters in ``limit_counters``, written in the
  caller's transaction with one atomic ``INSERT ... ON CONFLICT DO UPDATE ... WHERE``
  (SQLite and PostgreSQL): two requests racing for the last hit cannot both have it,
  because the condition is checked on the row as it is when the row is locked. A hit
  of a request that is then refused or fails rolls back with it, so a cap counts what
  was made. Its clock is the app's.
- :class:`RedisStore` (when ``redis_url`` is set): the ``limits`` library's moving window
  (a Lua script, atomic on the server). **When Redis cannot be reached** a hit falls
  back to the database store, so the caps still hold and are still shared (fail over,
  not fail open, and not fail closed: a Redis outage must not stop every sign-up during
  a rush); Redis is tried again after ``RETRY_SECONDS``. Counts made in one store are
  not seen by the other, so across the switch a key can have up to twice its cap.

What is counted (a client address, a device id) is stored as a keyed digest, never as
itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from datetime import datetime, timedelta
from typing import Protocol

import redis
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from puerta.config import Settings
from puerta.limits.models import LimitCounter
from puerta.limits.rules import (
    ALLOWED,
    EPOCH,
    Rule,
    Verdict,
    micros,
    room,
    wait,
    window_of,
)

log = logging.getLogger("puerta.limits")
COUNTERS = LimitCounter.__table__
#: Seconds a Redis store uses the database after Redis failed to answer.
RETRY_SECONDS = 30.0
#: Seconds to connect to Redis or wait for its answer before falling back.
REDIS_TIMEOUT = 0.5


class LimitStore(Protocol):
    """Hit ``key`` under ``rule``: allowed, or how many seconds until it would be."""

    name: str

    def hit(self, session: Session, rule: Rule, key: str, now: datetime) -> Verdict:
        """Count one hit if the rule allows it; a refused hit is not counted."""
        ...

    def peek(self, session: Session, rule: Rule, key: str, now: datetime) -> Verdict:
        """Whether a hit would be allowed now, counting nothing (a cheap early refusal
        before slow work; the hit itself decides)."""
        ...


class Digests:
    """Keyed digests of what is counted, so the store holds no address or device id."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"puerta.limits:" + secret.encode()).digest()

    def __call__(self, key: str) -> str:
        return hmac.new(self._key, key.encode(), hashlib.sha256).hexdigest()[:40]


class DatabaseStore:
    """Sliding-window counters in the caller's transaction (``limits.rules``)."""

    name = "database"

    def __init__(self, secret: str) -> None:
        self.digest = Digests(secret)

    def _counts(
        self, session: Session, rule: Rule, stored: str, now: datetime
    ) -> tuple[int, int, int]:
        """The previous window's hits, the current one's, and how far into it ``now`` is."""
        start, elapsed = window_of(micros(now), rule.seconds)
        rows = dict(
            session.execute(
                select(COUNTERS.c.window_start, COUNTERS.c.hits).where(
                    COUNTERS.c.key == stored,
                    COUNTERS.c.window_start.in_([start - rule.seconds, start]),
                )
            ).all()
        )
        return rows.get(start - rule.seconds, 0), rows.get(start, 0), elapsed

    def peek(self, session: Session, rule: Rule, key: str, now: datetime) -> Verdict:
        previous, current, elapsed = self._counts(
            session, rule, rule.key_for(self.digest(key)), now
        )
        if current < room(rule, previous, elapsed):
            return ALLOWED
        return Verdict(False, wait(rule, previous, current, elapsed))

    def hit(self, session: Session, rule: Rule, key: str, now: datetime) -> Verdict:
        stored = rule.key_for(self.digest(key))
        start, elapsed = window_of(micros(now), rule.seconds)
        previous = (
            session.scalar(
                select(COUNTERS.c.hits).where(
                    COUNTERS.c.key == stored, COUNTERS.c.window_start == start - rule.seconds
                )
            )
            or 0
        )
        space = room(rule, previous, elapsed)
        if space > 0:
            upsert = _insert(session).values(
                key=stored,
                window_start=start,
                hits=1,
                expires_at=EPOCH + timedelta(seconds=start + 2 * rule.seconds),
            )
            upsert = upsert.on_conflict_do_update(
                index_elements=[COUNTERS.c.key, COUNTERS.c.window_start],
                set_={"hits": COUNTERS.c.hits + 1},
                where=COUNTERS.c.hits < space,
            ).returning(COUNTERS.c.hits)
            if session.execute(upsert).first() is not None:
                return ALLOWED
        current = (
            session.scalar(
                select(COUNTERS.c.hits).where(
                    COUNTERS.c.key == stored, COUNTERS.c.window_start == start
                )
            )
            or 0
        )
        return Verdict(False, wait(rule, previous, current, elapsed))


def _insert(session: Session):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(COUNTERS)


class RedisStore:
    """The ``limits`` library's moving window on Redis; the database while Redis is down."""

    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        fallback: DatabaseStore,
        timeout: float = REDIS_TIMEOUT,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.prefix = prefix
        self.fallback = fallback
        self.digest = fallback.digest
        self.storage = RedisStorage(
            url,
            key_prefix=prefix,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
        )
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._retry_seconds = retry_seconds
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """False while the store uses the database after a failure of Redis."""
        return time.monotonic() >= self._down_until

    def _down(self, exc: Exception) -> None:
        with self._lock:
            if self.available:
                log.warning(
                    "Redis unreachable (%s): limits use the database for %.0f s",
                    type(exc).__name__,
                    self._retry_seconds,
                )
            self._down_until = time.monotonic() + self._retry_seconds

    def _refused(self, item: RateLimitItemPerSecond, digest: str, rule: Rule) -> Verdict:
        reset = self._limiter.get_window_stats(item, rule.name, digest).reset_time
        # The library stamps Redis's entries with the wall clock: the wait is read on it.
        return Verdict(False, max(1, math.ceil(reset - time.time())))  # noqa: TID251

    def hit(self, session: Session, rule: Rule, key: str, now: datetime) -> Verdict:
        if self.available:
            item, digest = RateLimitItemPerSecond(rule.limit, rule.seconds), self.digest(key)
            try:
                if self._limiter.hit(item, rule.name, digest):
                    return ALLOWED
                return self._refused(item, digest, rule)
            except (redis.RedisError, StorageError, OSError) as exc:
                self._down(exc)
        return self.fallback.hit(session, rule, key, now)

    def peek(self, session: Session, rule: Rule, key: str, now: datetime) -> Verdict:
        if self.available:
            item, digest = RateLimitItemPerSecond(rule.limit, rule.seconds), self.digest(key)
            try:
                if self._limiter.test(item, rule.name, digest):
                    return ALLOWED
                return self._refused(item, digest, rule)
            except (redis.RedisError, StorageError, OSError) as exc:
                self._down(exc)
        return self.fallback.peek(session, rule, key, now)


def make_store(settings: Settings) -> LimitStore:
    """Redis when ``redis_url`` is set, else the database."""
    database = DatabaseStore(settings.secret_key)
    if settings.redis_url:
        return RedisStore(settings.redis_url, prefix=settings.redis_prefix, fallback=database)
    return database


def sweep(session: Session, now: datetime) -> int:
    """Delete the counters no window reads any more; how many went. (Redis expires its
    own keys.)"""
    result = session.execute(delete(LimitCounter).where(LimitCounter.expires_at < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
