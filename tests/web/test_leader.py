"""The scheduler's leader lock: one holder per store, handed over when the holder goes.

The lock is tested on its own (a second holder is refused; it is granted after a
release, or once the first holder's connection or process is gone), then through the
scheduler loop of two app instances on one store with a due draw: the day is drawn
once, by the leader, and the standby takes over when the leader stops.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.draw.models import Draw
from puerta.web import leader as leaders
from puerta.web.app import create_app
from tests.draw.world import POOL_DAY, ask, person, registration

WAIT_SECONDS = 20


def eventually(check: Callable[[], bool], seconds: float = WAIT_SECONDS) -> bool:
    """Poll ``check`` until it holds, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.fixture
def locks(db: Database) -> Iterator[Callable[[], leaders.Leadership]]:
    """Leader locks on the test store; each is disposed of at the end."""
    made: list[leaders.Leadership] = []

    def make() -> leaders.Leadership:
        made.append(leaders.for_url(db.url))
        return made[-1]

    yield make
    for lock in made:
        lock.dispose()


def pg_holders(url: str) -> list[int]:
    """Backend pids that hold the scheduler's advisory lock in this database."""
    key = leaders.SCHEDULER_KEY & 0xFFFF_FFFF_FFFF_FFFF
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    sa.text(
                        "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                        " WHERE l.locktype = 'advisory' AND l.granted"
                        " AND d.datname = current_database()"
                        " AND l.classid = :hi AND l.objid = :lo AND l.objsubid = 1"
                    ),
                    {"hi": key >> 32, "lo": key & 0xFFFF_FFFF},
                )
            )
    finally:
        engine.dispose()


def test_each_store_gets_its_kind_of_lock(tmp_path: Path) -> None:
    file = tmp_path / "p.sqlite3"
    lock = leaders.for_url(f"sqlite:///{file}")
    assert isinstance(lock, leaders.FileLock)
    assert lock.path == tmp_path / "p.sqlite3-scheduler.lock"  # beside the database
    assert isinstance(leaders.for_url("sqlite://"), leaders.AlwaysLeader)
    assert isinstance(leaders.for_url("sqlite:///:memory:"), leaders.AlwaysLeader)
    pg = leaders.for_url("postgresql://u@127.0.0.1:1/x")
    assert isinstance(pg, leaders.AdvisoryLock)
    assert not pg.held  # nothing connects before the first hold()
    pg.dispose()


def test_a_second_holder_is_refused_until_the_first_releases(
    locks: Callable[[], leaders.Leadership],
) -> None:
    first, second = locks(), locks()
    assert first.hold()
    assert first.hold()  # still held: asking again keeps it
    assert not second.hold()
    assert not second.held
    first.release()
    assert not first.held
    assert second.hold()
    assert not first.hold()
    second.release()
    assert first.hold()


@pytest.mark.postgres
def test_the_advisory_lock_goes_with_its_connection(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    db: Database = request.getfixturevalue("_postgresql_database")
    first, second = leaders.AdvisoryLock(db.url), leaders.AdvisoryLock(db.url)
    try:
        _handed_over_when_the_connection_drops(db, first, second, caplog)
    finally:
        first.dispose()
        second.dispose()


def _handed_over_when_the_connection_drops(
    db: Database,
    first: leaders.AdvisoryLock,
    second: leaders.AdvisoryLock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert first.hold()
    (holder,) = pg_holders(db.url)
    assert not second.hold()
    engine = sa.create_engine(db.url)
    with engine.connect() as conn:  # the leader's connection drops (as a restart would)
        assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
    engine.dispose()
    assert eventually(second.hold)  # granted once the server has ended the session
    with caplog.at_level(logging.WARNING, logger="puerta.scheduler"):
        assert not first.hold()  # notices the drop, tries again, is refused
    assert "connection dropped" in caplog.text
    assert not first.held
    second.release()
    assert pg_holders(db.url) == []  # a release unlocks on the server at once
    assert first.hold()  # and the first leads again
    assert len(pg_holders(db.url)) == 1


def test_the_file_lock_goes_with_its_process(tmp_path: Path) -> None:
    path = tmp_path / "puerta.sqlite3-scheduler.lock"
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from puerta.web.leader import FileLock
        assert FileLock(Path({str(path)!r})).hold()
        print("held", flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        lock = leaders.FileLock(path)
        assert not lock.hold()
        child.kill()  # no release: the kernel drops the lock with the process
        child.wait(timeout=10)
        assert eventually(lock.hold)
        assert path.read_text() == f"{os.getpid()}\n"  # who leads, for a person looking
        lock.dispose()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)


# --- through the scheduler loop: two app instances on one store ----------------------


def _due_day(db: Database, settings: Settings, clock: FrozenClock) -> None:
    """A pool with requests whose window has closed: a draw is due."""
    for name in ("Ana", "Bo", "Cy"):
        ask(db, settings, clock, registration(db, settings, clock, [person(name)]))
    clock.advance(hours=1, minutes=5)


def _draws(db: Database) -> int:
    with db.read_only() as s:
        return s.scalar(select(func.count()).select_from(Draw).where(Draw.pool_date == POOL_DAY))


def _records(caplog: pytest.LogCaptureFixture, start: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(start)]


@pytest.mark.committing
def test_two_app_instances_on_one_store_draw_a_day_once(
    db: Database, settings: Settings, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    _due_day(db, settings, clock)
    settings.scheduler_enabled = True
    settings.scheduler_interval_seconds = 0.05  # the standby retries many times
    caplog.set_level(logging.INFO, logger="puerta.scheduler")
    with ExitStack() as stack:
        apps = []
        for _ in range(2):
            database = Database(db.url)  # each its own engine, as two processes have
            stack.callback(database.engine.dispose)
            apps.append(create_app(settings, db=database, clock=clock))
        for app in apps:  # both lifespans start their scheduler
            stack.enter_context(TestClient(app))
        assert eventually(lambda: _draws(db) == 1)
        clock.advance(minutes=1)
        time.sleep(0.5)  # many more passes of both
        # (checked before the apps stop: the one stopping last may lead after the other)
        assert len(_records(caplog, "scheduler leader")) == 1
        assert len(_records(caplog, "scheduler standing by")) == 1
    assert _draws(db) == 1
    assert len(_records(caplog, "drew ")) == 1
    assert not [r for r in caplog.records if "already run" in r.getMessage()]
    assert _records(caplog, "scheduler stopped: leader lock released")


@pytest.mark.committing
def test_a_standby_takes_over_when_the_leader_stops(
    db: Database, settings: Settings, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings.scheduler_enabled = True
    settings.scheduler_interval_seconds = 0.05
    caplog.set_level(logging.INFO, logger="puerta.scheduler")
    with ExitStack() as stack:
        leader, standby = (
            TestClient(create_app(settings, db=Database(db.url), clock=clock)) for _ in "ab"
        )
        for client in (leader, standby):
            stack.callback(client.app.state.db.engine.dispose)  # type: ignore[attr-defined]
        leader.__enter__()
        assert eventually(lambda: len(_records(caplog, "scheduler leader")) == 1)
        stack.enter_context(standby)
        assert eventually(lambda: len(_records(caplog, "scheduler standing by")) == 1)
        leader.__exit__(None, None, None)  # its lifespan ends: the lock is released
        assert len(_records(caplog, "scheduler stopped: leader lock released")) == 1
        _due_day(db, settings, clock)
        assert eventually(lambda: _draws(db) == 1)  # drawn by the one left
        assert len(_records(caplog, "scheduler leader")) == 2
    assert len(_records(caplog, "drew ")) == 1


@pytest.mark.committing
def test_scheduler_jobs_run_one_after_the_other_even_if_passes_overlap(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    """Behind the lock, each job's transaction waits for another job's: on PostgreSQL
    for the jobs' transaction advisory lock, on SQLite for the write lock."""
    from puerta.web import scheduler

    app = create_app(settings, db=db, clock=clock)
    done: list[list[str]] = []
    with db.engine.connect() as other:
        other.begin()  # SQLite: BEGIN IMMEDIATE, the write lock
        if db.is_postgres:
            other.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": leaders.JOBS_KEY})
        worker = threading.Thread(target=lambda: done.append(scheduler.run_once(app)))
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive()  # waiting for the other job's transaction
        other.rollback()
    worker.join(timeout=WAIT_SECONDS)
    assert not worker.is_alive()
    (lines,) = done
    assert any(line.startswith("published the seed commitment") for line in lines)
