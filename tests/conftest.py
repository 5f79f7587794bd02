"""Shared fixtures.

``db`` is parametrised over the backends: every store test runs on SQLite and,
when it is reachable, on PostgreSQL. Under ``CI=true`` PostgreSQL must be
reachable: the run fails loudly instead of skipping.

A store test runs inside one transaction that is rolled back at its end (as
pypi/warehouse's tests do): ``db`` is a :class:`SavepointDatabase` on one
connection, and every ``db.session()`` (the test's, the app's under TestClient,
the scheduler's) joins that connection's transaction with a savepoint, so its
``commit()`` releases a savepoint and nothing reaches the disk. A test that
needs real commits, because it uses several connections (threads racing, the
bulk importer and exporter, ``db.engine`` itself), is marked
``@pytest.mark.committing``: it gets the real ``Database``, emptied before and
after.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import sessionmaker

from puerta import migrate
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Base, Database, load_all_models
from puerta.limits.store import DatabaseStore, LimitStore, RedisStore

# Property tests check what holds, never how fast: no deadline and no "too slow" health
# check, which a loaded CI machine (two xdist workers, the browser's server) trips on
# data generation alone. Speed lives in the benchmarks (BENCHMARKS.md).
hypothesis_settings.register_profile(
    "puerta", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("puerta")

PG_ADMIN_URL = os.environ.get(
    "PUERTA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
pytest_plugins = ["tests.api_support"]

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("PUERTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _postgres_reachable() -> str | None:
    """None when reachable, else the reason."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


@pytest.fixture(scope="session")
def _sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url)
    yield database
    database.engine.dispose()


@pytest.fixture(scope="session")
def _postgresql_database() -> Iterator[Database]:
    reason = _postgres_reachable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is unreachable at {PG_ADMIN_URL}: {reason}")
        pytest.skip(f"PostgreSQL unreachable ({reason})")
    name = f"puerta_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    database = Database(url, pool_size=10)
    yield database
    database.engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty(database: Database) -> None:
    load_all_models()
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


class _OneConnectionEngine:
    """``db.engine`` of a savepoint test: its dialect, but no connection of its own
    (one would not see the test's uncommitted rows, nor roll back with them)."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.url = engine.url

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"db.engine.{name}: a savepoint test has one connection (db.connection); "
            "mark a test that needs its own connections @pytest.mark.committing"
        )


class SavepointDatabase(Database):
    """A ``Database`` whose sessions all join ``connection``'s outer transaction,
    each with a savepoint of its own (``join_transaction_mode="create_savepoint"``)."""

    def __init__(self, database: Database, connection: Connection) -> None:  # no engine of its own
        self.url = database.url
        self.engine = _OneConnectionEngine(database.engine)  # type: ignore[assignment]
        self.connection = connection
        self.sessions = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        # A savepoint cannot become read-only: reads share the writers' sessions here, and
        # the tests of read-only units of work are marked ``committing`` (a real engine).
        self.read_sessions = self.sessions


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated, empty database on each backend; what the test writes is rolled back."""
    database: Database = request.getfixturevalue(f"_{request.param}_database")
    if request.node.get_closest_marker("committing") is not None:
        _empty(database)
        yield database
        _empty(database)
        return
    with database.engine.connect() as connection:
        outer = connection.begin()
        try:
            yield SavepointDatabase(database, connection)
        finally:
            outer.rollback()


def _redis_reachable() -> str | None:
    """None when reachable, else the reason."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def _redis_server() -> str:
    reason = _redis_reachable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true but Redis is unreachable at {REDIS_URL}: {reason}")
        pytest.skip(f"Redis unreachable ({reason})")
    return REDIS_URL


@pytest.fixture
def redis_prefix(_redis_server: str) -> Iterator[str]:
    """A key prefix of this test's own on the shared Redis server; its keys (and only
    they: never FLUSHALL) are deleted at the end."""
    import redis

    prefix = f"puerta-test-{secrets.token_hex(6)}"
    yield prefix
    client = redis.Redis.from_url(_redis_server)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def limits_backend(request: pytest.FixtureRequest) -> str:
    """The limits store a test runs on: ``database``, and ``redis`` when reachable
    (required under ``CI=true``, as PostgreSQL is)."""
    return request.param


@pytest.fixture
def limit_store(request: pytest.FixtureRequest, limits_backend: str) -> LimitStore:
    """The store of ``limits_backend``: the database's, or Redis (own prefix) falling
    back to the database's."""
    database = DatabaseStore("test-secret")
    if limits_backend == "database":
        return database
    prefix = request.getfixturevalue("redis_prefix")
    return RedisStore(REDIS_URL, prefix=prefix, fallback=database)


@pytest.fixture
def clock() -> FrozenClock:
    # A Wednesday, 15:00 UTC = 10:00 in New York: before the 11:00 close.
    return FrozenClock(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))


#: The proof of work at its lowest (a counter below 4, one PBKDF2 iteration): the tests
#: solve every sign-up's and registration's challenge (``tests/api_support.py``,
#: ``proving``) in well under a millisecond. Production keeps the measured defaults.
LOW_WORK = {"pow_max_number": 4, "pow_cost": 1}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", secret_key="test-secret", _env_file=None, **LOW_WORK)


# --- the browser tests' screenshots (tests/browser/) ----------------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
_SESSION_MARK = SCREENSHOTS.parent / ".test-session-start"  # its mtime: when this run began


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the main process, not an xdist worker
        _SESSION_MARK.parent.mkdir(parents=True, exist_ok=True)
        _SESSION_MARK.touch()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where this run's screenshots are, for a person to look at."""
    if not _SESSION_MARK.exists() or not SCREENSHOTS.is_dir():
        return
    began = _SESSION_MARK.stat().st_mtime
    shots = [p for p in SCREENSHOTS.rglob("*.png") if p.stat().st_mtime >= began]
    if shots:
        languages = sorted({p.parent.name for p in shots})
        terminalreporter.write_line(
            f"screenshots: {len(shots)} in {SCREENSHOTS} ({', '.join(languages)})"
        )
