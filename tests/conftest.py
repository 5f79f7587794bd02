"""Shared fixtures.

``db`` is parametrised over the backends: every store test runs on SQLite and,
when it is reachable, on PostgreSQL. Under ``CI=true`` PostgreSQL must be
reachable: the run fails loudly instead of skipping.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from puerta import migrate
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Base, Database, load_all_models

PG_ADMIN_URL = os.environ.get(
    "PUERTA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
pytest_plugins = ["tests.api_support"]

IN_CI = os.environ.get("CI", "").lower() == "true"


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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated, empty database on each backend."""
    database: Database = request.getfixturevalue(f"_{request.param}_database")
    _empty(database)
    yield database
    _empty(database)


@pytest.fixture
def clock() -> FrozenClock:
    # A Wednesday, 15:00 UTC = 10:00 in New York: before the 11:00 close.
    return FrozenClock(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", secret_key="test-secret", _env_file=None)
