"""The store: declarative base, engine and the unit of work.

The caller owns the transaction (``with db.session() as s:`` in the CLI and
jobs, a request dependency on the web side); services never commit. The
commit is explicit (``UnitOfWork.commit``): work a caller does not commit is
rolled back when the unit of work ends.

A unit of work is either a write (SQLite: ``BEGIN IMMEDIATE``, so writers
queue for the lock instead of failing) or read-only (``db.read_only()``, the
web side's GET and HEAD requests): SQLite starts it with a plain deferred
``BEGIN`` under ``PRAGMA query_only``, PostgreSQL with ``SET TRANSACTION READ
ONLY``. A read takes no write lock, and a write attempted in it fails loudly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

#: The execution option that marks a read-only unit of work's connection.
READ_ONLY = "puerta_read_only"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware UTC datetime, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, _dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A failed statement's message (and so a logged traceback) names no bound values:
    # they are people's names, emails and addresses.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            read_only = bool(conn.get_execution_options().get(READ_ONLY))
            if conn.info.get(READ_ONLY, False) != read_only:  # per pooled connection
                conn.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
                conn.info[READ_ONLY] = read_only
            if read_only:
                # Deferred: a reader takes no lock a writer waits for (WAL).
                conn.exec_driver_sql("BEGIN")
            else:
                # Take the write lock up front: two transactions that read and then
                # write would otherwise fail with "database is locked" instead of
                # waiting their turn (busy timeout).
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Sessions in UTC whatever the server's default: bulk loads send UTC timestamps
    # as text, which PostgreSQL reads in the session's time zone.
    connect_args = {"options": "-c TimeZone=UTC", **kwargs.pop("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


class UnitOfWork:
    """One transaction, as in cosmicpython's ``unit_of_work.py``: nothing lasts uncommitted.

    Leaving the block without ``commit()`` rolls everything back. A domain
    error that declares ``keeps_changes`` (a refusal that follows work which
    must last, such as a counted failed attempt) is the one exception: its
    work is committed, then the error goes on to the person.

    Example:
        >>> with UnitOfWork(db) as uow:  # doctest: +SKIP
        ...     service.do_something(uow.session, ...)
        ...     uow.commit()
    """

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self.read_only = read_only
        self.session: Session

    def __enter__(self) -> Self:
        sessions = self._database.read_sessions if self.read_only else self._database.sessions
        self.session = sessions()
        return self

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def release(self) -> None:
        """End the transaction and give its connection back, before slow work.

        Only reads may have happened (a pending write here is a programming
        error). Everything loaded is expired, so what is used afterwards is read
        again, fresh, in the transaction the next query begins (on SQLite, a
        write unit of work takes the write lock again then).
        """
        session = self.session
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("release() with pending writes: release before writing")
        session.commit()
        session.expire_all()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is not None and getattr(exc, "keeps_changes", False):
                self.session.commit()
            else:
                self.session.rollback()  # a no-op after commit(); undoes the rest
        finally:
            self.session.close()


class Database:
    """An engine and its session factory; one per process (or per test backend)."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The same pool; its connections begin read-only transactions.
        options: dict[str, Any] = {READ_ONLY: True}
        if self.engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        self.read_sessions = sessionmaker(
            self.engine.execution_options(**options), expire_on_commit=False
        )

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self, read_only=read_only)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work committed when the block completes, rolled back otherwise."""
        with self.unit_of_work() as uow:
            yield uow.session
            uow.commit()

    @contextmanager
    def read_only(self) -> Iterator[Session]:
        """A read-only unit of work: no write lock taken, and any write raises."""
        with self.unit_of_work(read_only=True) as uow:
            yield uow.session

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"


def load_all_models() -> None:
    """Import every model module so that Base.metadata is complete (Alembic, tests)."""
    from puerta.accounts import models as _a  # noqa: F401
    from puerta.arrivals import models as _ar  # noqa: F401
    from puerta.audit import models as _au  # noqa: F401
    from puerta.confirmation import models as _c  # noqa: F401
    from puerta.draw import models as _d  # noqa: F401
    from puerta.faces import models as _fa  # noqa: F401
    from puerta.findings import models as _f  # noqa: F401
    from puerta.limits import models as _l  # noqa: F401
    from puerta.partners import models as _pa  # noqa: F401
    from puerta.ports import models as _p  # noqa: F401
    from puerta.pow import models as _w  # noqa: F401
    from puerta.registration import models as _r  # noqa: F401
    from puerta.requests import models as _q  # noqa: F401
    from puerta.vetting import models as _v  # noqa: F401
