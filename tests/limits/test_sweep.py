"""The sweep: stale sign-in throttle rows and limit counters go, by the periodic job and
by ``puerta limits sweep``; what a rule or a pause still reads stays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from puerta.accounts import throttle
from puerta.accounts.models import SignInThrottle
from puerta.cli.main import app as cli
from puerta.clock import FrozenClock
from puerta.config import get_settings
from puerta.db import Database
from puerta.limits.models import LimitCounter
from puerta.limits.rules import Rule
from puerta.limits.store import DatabaseStore
from puerta.web import scheduler
from tests.api_support import Api


def _keys(db: Database) -> set[str]:
    with db.session() as s:
        return set(s.scalars(select(SignInThrottle.key)))


def test_the_throttle_sweep_forgets_only_forgotten_runs(db: Database, clock: FrozenClock) -> None:
    start = clock.now()
    with db.session() as s:
        # Two days ago: an account and an address, both long forgotten.
        throttle.record_failure(s, throttle.keys_for("old@example.org", "192.0.2.1"), start)
    clock.advance(hours=23)
    with db.session() as s:
        # An hour ago, from another address: the account is remembered, the address not.
        throttle.record_failure(
            s, throttle.keys_for("recent@example.org", "192.0.2.2"), clock.now()
        )
        # A paused account: ten wrong passwords now.
        for _ in range(10):
            throttle.record_failure(s, [throttle.account_key("paused@example.org")], clock.now())
    clock.advance(hours=2)  # 25 h after the first failures, 2 h after the others
    with db.session() as s:
        assert throttle.sweep(s, clock.now()) == 3
    assert _keys(db) == {"account:recent@example.org", "account:paused@example.org"}


def test_the_periodic_job_sweeps_both_tables(api: Api, clock: FrozenClock) -> None:
    with api.db.session() as s:
        throttle.record_failure(s, throttle.keys_for("x@example.org", "192.0.2.9"), clock.now())
        DatabaseStore("s").hit(s, Rule("test.job", 5, 60), "k", clock.now())
    assert not any("swept" in line for line in scheduler.run_once(api.client.app))  # type: ignore[arg-type]
    clock.advance(days=2)
    assert "swept 3 stale limit rows" in scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    with api.db.session() as s:
        assert s.scalars(select(SignInThrottle)).all() == []
        assert s.scalars(select(LimitCounter)).all() == []


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PUERTA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PUERTA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_command_sweeps_and_says_how_many(data_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    db = Database(f"sqlite:///{data_dir / 'puerta.sqlite3'}")
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)
    far_ahead = datetime(2999, 1, 1, tzinfo=UTC)
    with db.session() as s:
        s.add(SignInThrottle(key="address:192.0.2.3", failures=3, last_failed_at=long_ago))
        s.add(LimitCounter(key="old/60:d", window_start=0, hits=1, expires_at=long_ago))
        s.add(LimitCounter(key="live/60:d", window_start=0, hits=1, expires_at=far_ahead))
    result = runner.invoke(cli, ["limits", "sweep"])
    assert result.exit_code == 0, result.output
    assert "swept 1 limit counters and 1 sign-in throttle rows" in result.output
    with db.session() as s:
        assert s.scalars(select(LimitCounter.key)).all() == ["live/60:d"]
        assert s.scalars(select(SignInThrottle)).all() == []
    db.engine.dispose()
