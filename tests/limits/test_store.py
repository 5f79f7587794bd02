"""The limits store: the same tests on the database (SQLite, PostgreSQL) and on Redis.

Time passes on the app's clock for the database store and on the wall clock for Redis
(whose entries the ``limits`` library stamps itself): ``advance`` does whichever the
store needs, so that a test says once what must hold on both.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from puerta.clock import FrozenClock
from puerta.db import Database
from puerta.limits import store as limits_store
from puerta.limits.models import LimitCounter
from puerta.limits.rules import Rule
from puerta.limits.store import DatabaseStore, LimitStore, RedisStore
from tests.conftest import REDIS_URL

Advance = Callable[[float], None]


@pytest.fixture
def advance(limit_store: LimitStore, clock: FrozenClock) -> Advance:
    def forward(seconds: float) -> None:
        if isinstance(limit_store, RedisStore):
            time.sleep(seconds)
        else:
            clock.advance(seconds=seconds)

    return forward


def _hits(store: LimitStore, db: Database, clock: FrozenClock, rule: Rule, key: str, n: int):  # type: ignore[no-untyped-def]
    verdicts = []
    for _ in range(n):
        with db.session() as s:
            verdicts.append(store.hit(s, rule, key, clock.now()))
    return verdicts


def test_a_rule_allows_its_count_then_says_how_long_to_wait(
    limit_store: LimitStore, db: Database, clock: FrozenClock
) -> None:
    rule = Rule("test.count", 3, 3600)
    verdicts = _hits(limit_store, db, clock, rule, "192.0.2.1", 5)
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    for refused in verdicts[3:]:
        # Redis's moving window: within the window; the database's weighted counters:
        # within two (the previous window's hits are taken as spread over it).
        assert 0 < refused.retry_after <= 2 * 3600


def test_keys_and_rules_are_counted_apart(
    limit_store: LimitStore, db: Database, clock: FrozenClock
) -> None:
    one, other = Rule("test.one", 1, 3600), Rule("test.other", 1, 3600)
    assert [v.allowed for v in _hits(limit_store, db, clock, one, "a", 2)] == [True, False]
    assert _hits(limit_store, db, clock, one, "b", 1)[0].allowed
    assert _hits(limit_store, db, clock, other, "a", 1)[0].allowed


def test_after_the_wait_a_hit_is_allowed_again(
    limit_store: LimitStore, db: Database, clock: FrozenClock, advance: Advance
) -> None:
    rule = Rule("test.wait", 2, 1)  # one second: Redis waits in real time
    verdicts = _hits(limit_store, db, clock, rule, "k", 3)
    assert [v.allowed for v in verdicts] == [True, True, False]
    advance(verdicts[-1].retry_after + 0.05)
    assert _hits(limit_store, db, clock, rule, "k", 1)[0].allowed


def test_a_refused_hit_is_not_counted(
    limit_store: LimitStore, db: Database, clock: FrozenClock, advance: Advance
) -> None:
    """Hammering a full key does not push its wait further out."""
    rule = Rule("test.hammer", 1, 1)
    first = _hits(limit_store, db, clock, rule, "k", 1)[0]
    assert first.allowed
    refused = _hits(limit_store, db, clock, rule, "k", 20)
    assert not any(v.allowed for v in refused)
    advance(max(v.retry_after for v in refused[:1]) + 0.05)
    assert _hits(limit_store, db, clock, rule, "k", 1)[0].allowed


def test_peek_counts_nothing(limit_store: LimitStore, db: Database, clock: FrozenClock) -> None:
    rule = Rule("test.peek", 1, 3600)
    with db.session() as s:
        assert limit_store.peek(s, rule, "k", clock.now()).allowed
        assert limit_store.peek(s, rule, "k", clock.now()).allowed
    assert _hits(limit_store, db, clock, rule, "k", 1)[0].allowed
    with db.session() as s:
        peeked = limit_store.peek(s, rule, "k", clock.now())
    assert not peeked.allowed
    assert peeked.retry_after > 0


@pytest.mark.committing
def test_racing_hits_never_pass_the_limit(
    limit_store: LimitStore, db: Database, clock: FrozenClock
) -> None:
    """Sixteen threads, each with its own connection and transaction, hit one key of a
    rule of five at the same moment: exactly five are allowed (no read-then-write race)."""
    rule, now = Rule("test.race", 5, 3600), clock.now()
    start = threading.Barrier(16)
    allowed: list[bool] = []
    lock = threading.Lock()

    def one() -> None:
        start.wait()
        with db.session() as s:
            verdict = limit_store.hit(s, rule, "203.0.113.9", now)
        with lock:
            allowed.append(verdict.allowed)

    threads = [threading.Thread(target=one) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(allowed) == 16
    assert allowed.count(True) == 5


def test_the_database_holds_no_address_or_device(db: Database, clock: FrozenClock) -> None:
    store = DatabaseStore("test-secret")
    with db.session() as s:
        store.hit(s, Rule("test.digest", 5, 60), "198.51.100.23", clock.now())
    with db.session() as s:
        keys = s.scalars(select(LimitCounter.key)).all()
    assert len(keys) == 1
    assert "198.51.100.23" not in keys[0]
    assert keys[0].startswith("test.digest/60:")


def test_the_database_window_slides(db: Database, clock: FrozenClock) -> None:
    """Three hits at the end of a window still weigh at the start of the next: no burst
    of twice the limit across a window's edge."""
    store, rule = DatabaseStore("s"), Rule("test.slide", 3, 60)
    clock.advance(seconds=60 - clock.now().second - 1)  # the window's last second
    assert all(v.allowed for v in _hits(store, db, clock, rule, "k", 3))
    clock.advance(seconds=2)  # the next window has begun
    assert not _hits(store, db, clock, rule, "k", 1)[0].allowed
    clock.advance(seconds=40)  # 41 s in: 19/60 of the old window, 0.95 of its 3, weighs
    assert [v.allowed for v in _hits(store, db, clock, rule, "k", 3)] == [True, True, False]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_unreachable_falls_back_to_the_database(db: Database, clock: FrozenClock) -> None:
    """Fail over, not open: with Redis gone the caps still hold, counted in the database."""
    store = RedisStore(
        f"redis://127.0.0.1:{_closed_port()}/0",
        prefix="puerta-test-down",
        fallback=DatabaseStore("s"),
        timeout=0.2,
    )
    rule = Rule("test.down", 2, 3600)
    started = time.perf_counter()
    verdicts = _hits(store, db, clock, rule, "k", 3)
    assert [v.allowed for v in verdicts] == [True, True, False]
    assert not store.available  # tried once, then the database for RETRY_SECONDS
    assert time.perf_counter() - started < 2
    with db.session() as s:
        assert s.scalar(select(func.sum(LimitCounter.hits))) == 2
        assert store.peek(s, rule, "k", clock.now()).allowed is False


@pytest.mark.redis
def test_redis_is_tried_again_after_a_failure(
    db: Database, clock: FrozenClock, redis_prefix: str
) -> None:
    store = RedisStore(REDIS_URL, prefix=redis_prefix, fallback=DatabaseStore("s"), retry_seconds=0)
    store._down(ConnectionError("test"))  # as after a failure
    assert store.available  # retry_seconds=0: at once
    with db.session() as s:
        assert store.hit(s, Rule("test.back", 1, 60), "k", clock.now()).allowed
        assert s.scalar(select(func.count()).select_from(LimitCounter)) == 0  # on Redis


def test_the_sweep_deletes_only_counters_no_window_reads(db: Database, clock: FrozenClock) -> None:
    store = DatabaseStore("s")
    with db.session() as s:
        store.hit(s, Rule("test.short", 5, 60), "k", clock.now())
        store.hit(s, Rule("test.long", 5, 86400), "k", clock.now())
    later = clock.now() + timedelta(minutes=3)  # past 2 windows of a minute, not of a day
    with db.session() as s:
        assert limits_store.sweep(s, later) == 1
    with db.session() as s:
        assert s.scalars(select(LimitCounter.key)).all()[0].startswith("test.long/")
        assert limits_store.sweep(s, later) == 0
