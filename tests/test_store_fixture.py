"""The ``db`` fixture: a store test's commits release savepoints, never reach the disk."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from puerta.accounts.models import User
from puerta.db import Database

T = datetime(2026, 3, 4, tzinfo=UTC)


def _committed_users(request: pytest.FixtureRequest, db: Database) -> int:
    """Users another connection sees: what has really been committed."""
    if db.is_postgres:
        real: Database = request.getfixturevalue("_postgresql_database")
        with real.engine.connect() as other:
            return other.scalar(sa.text("SELECT count(*) FROM users")) or 0
    # Not through the engine: it opens every transaction with BEGIN IMMEDIATE, which
    # waits for the test's write lock. A plain read sees the last commit.
    path = sa.make_url(db.url).database
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as other:
        return other.execute("SELECT count(*) FROM users").fetchone()[0]


def _add_user(db: Database, email: str) -> None:
    with db.session() as s:
        s.add(User(email=email, password_hash="!", created_at=T))


def test_a_commit_is_seen_by_the_test_and_by_nobody_else(
    db: Database, request: pytest.FixtureRequest
) -> None:
    _add_user(db, "a@example.org")
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert _committed_users(request, db) == 0


def test_a_failed_unit_of_work_is_undone_alone(db: Database) -> None:
    _add_user(db, "a@example.org")

    def both() -> None:
        with db.session() as s:
            s.add(User(email="b@example.org", password_hash="!", created_at=T))
            s.flush()
            s.add(User(email="a@example.org", password_hash="!", created_at=T))  # taken

    with pytest.raises(sa.exc.IntegrityError):
        both()
    with db.session() as s:
        assert list(s.scalars(sa.select(User.email))) == ["a@example.org"]


def test_db_engine_is_not_a_way_around_the_transaction(db: Database) -> None:
    with pytest.raises(AttributeError, match="committing"):
        db.engine.begin()


@pytest.mark.committing
def test_a_committing_test_commits(db: Database, request: pytest.FixtureRequest) -> None:
    _add_user(db, "a@example.org")
    assert _committed_users(request, db) == 1
