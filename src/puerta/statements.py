"""The hot path's store: one statement, one connection, once.

Why a second way to the database: in the 9 a.m. rush the applicant's three
calls (ask, status, entry) are most of the traffic, and each must cost one
round trip, not the dozen that the ORM's unit of work makes (loading the
session, the user, the registration, each later step's row in turn). A
:class:`Statement` is plain SQL that both backends run as written, with its
parameters' and columns' types; it checks the caller's token, ownership and
every rule it can in the one statement.

Two ways to run it, behind :class:`Statements`:

- :class:`PgStatements`, in the server on PostgreSQL: psycopg's own async
  connection pool, autocommit, one checkout per statement for as long as the
  statement runs. No worker thread is ever involved, so a connection is never
  held by a request waiting for a thread (the deadlock of issue 10), and a
  request waiting for a connection holds nothing.
- :class:`ThreadedStatements`: one thread hop into a unit of work of the
  given :class:`~puerta.db.Database`, for SQLite (whose driver is
  synchronous) and for a database handed in by a caller (the tests' savepoint
  databases, so that what a test wrote is seen).

The ORM services stay the way everything else changes the store; a statement
here is the same rule written once more in SQL, and the tests run both on the
same states (``tests/journey/test_hot_path.py``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import anyio.to_thread
from sqlalchemy import TextClause, bindparam, make_url, text
from sqlalchemy.types import TypeEngine

from puerta.db import Database

Row = dict[str, Any]

_NAMED = re.compile(r"(?<![:\w]):(\w+)")


@dataclass(frozen=True)
class Statement:
    """One SQL statement in the dialect both backends share.

    ``params`` and ``columns`` give the types SQLAlchemy needs to bind and read
    values on SQLite (dates and aware datetimes are text there); psycopg reads
    them from PostgreSQL itself. ``writes`` marks a statement that changes the
    store (committed at once; a read runs in a read-only transaction).
    """

    name: str
    sql: str
    params: dict[str, TypeEngine[Any]] = field(default_factory=dict)
    columns: dict[str, TypeEngine[Any]] = field(default_factory=dict)
    writes: bool = False

    @cached_property
    def clause(self) -> TextClause:
        clause = text(self.sql)
        if self.params:
            clause = clause.bindparams(*(bindparam(k, type_=t) for k, t in self.params.items()))
        if self.columns:
            clause = clause.columns(**self.columns)  # type: ignore[assignment]
        return clause

    @cached_property
    def pyformat(self) -> str:
        """The SQL with psycopg's ``%(name)s`` placeholders (and literal ``%`` doubled)."""
        return _NAMED.sub(r"%(\1)s", self.sql.replace("%", "%%"))


class Statements(Protocol):
    """Runs one statement and hands back its first row (as a dict) or None."""

    async def one(self, statement: Statement, params: dict[str, Any]) -> Row | None: ...

    async def close(self) -> None: ...


class ThreadedStatements:
    """A statement in a unit of work of ``database``, in one worker thread."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def run(self, statement: Statement, params: dict[str, Any]) -> Row | None:
        """The same, synchronously (the CLI, jobs and tests call this)."""
        with self.database.unit_of_work(read_only=not statement.writes) as uow:
            row = uow.session.execute(statement.clause, params).mappings().first()
            if statement.writes:
                uow.commit()
            return dict(row) if row is not None else None

    async def one(self, statement: Statement, params: dict[str, Any]) -> Row | None:
        return await anyio.to_thread.run_sync(self.run, statement, params)

    async def close(self) -> None:
        return None


def conninfo(url: str) -> str:
    """A libpq URI for psycopg from the SQLAlchemy URL of the settings."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class PgStatements:
    """Statements over psycopg's async pool (``psycopg_pool.AsyncConnectionPool``).

    The pool is opened on first use in the running event loop, and again if
    the loop changes (a test client's loop per request); connections are
    autocommit, prepared after a few uses (psycopg's ``prepare_threshold``),
    and checked for life only when a statement fails on them, so a restarted
    PostgreSQL costs the requests in flight, not the ones after. A checkout
    waits at most ``timeout`` seconds (``psycopg_pool.PoolTimeout``: the edge
    answers 503 with ``Retry-After``).
    """

    def __init__(self, url: str, *, min_size: int, max_size: int, timeout: float) -> None:
        self._conninfo = conninfo(url)
        self._sizes = (min_size, max_size)
        self._timeout = timeout
        self._pool: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()

    async def _open(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._loop is loop:
            return self._pool
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        if self._loop is not loop:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._pool is not None and self._loop is loop:
                return self._pool
            pool = AsyncConnectionPool(
                self._conninfo,
                min_size=self._sizes[0],
                max_size=self._sizes[1],
                timeout=self._timeout,
                kwargs={
                    "autocommit": True,
                    "row_factory": dict_row,
                    "options": "-c TimeZone=UTC",
                },
                open=False,
                name="puerta-hot",
            )
            await pool.open(wait=False)
            self._pool, self._loop = pool, loop
            return pool

    async def one(self, statement: Statement, params: dict[str, Any]) -> Row | None:
        pool = await self._open()
        # Autocommit: one statement is its own transaction (and snapshot), so a
        # read costs no BEGIN or COMMIT of its own.
        async with pool.connection() as conn:
            cursor = await conn.execute(statement.pyformat, params)
            return await cursor.fetchone()

    @property
    def stats(self) -> dict[str, int]:
        """psycopg_pool's counters (``pool_size``, ``requests_waiting``, ...), for /metrics."""
        return dict(self._pool.get_stats()) if self._pool is not None else {}

    async def close(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = None
