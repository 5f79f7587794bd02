"""The scheduler's leader lock: however many workers and machines serve one store, one
process runs the jobs.

Every worker process runs the app's lifespan, so every one starts the scheduler; before
each pass it asks its :class:`Leadership` whether it leads. Only the holder of the lock
runs the pass, the others stand by and try again at the next pass.

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) held on a connection of
  its own, outside the app's pool, for as long as the process leads. The server drops the
  lock when that connection ends, so a leader that dies, or loses its connection, hands
  over at the next pass of another process; a leader whose connection dropped notices at
  its next pass and tries again like everyone else.
- SQLite (one machine): ``flock`` on a file beside the database file, released by the
  kernel when the process ends.
- An in-memory SQLite database cannot be shared: its one process always leads.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from puerta.db import make_engine

log = logging.getLogger("puerta.scheduler")

#: The advisory lock key of the scheduler. Advisory locks are per database, so two
#: stores on one PostgreSQL server never share a leader.
SCHEDULER_KEY = int.from_bytes(hashlib.sha256(b"puerta.scheduler").digest()[:8], "big", signed=True)
#: The transaction advisory lock each scheduler job takes (``scheduler._job``).
JOBS_KEY = int.from_bytes(hashlib.sha256(b"puerta.scheduler.jobs").digest()[:8], "big", signed=True)

# A dead peer must not keep a dead connection looking alive for long: TCP keepalives
# notice within about a minute; connecting gives up after 10 s.
_PG_CONNECT_ARGS = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class Leadership(Protocol):
    """Whether this process leads. ``hold`` and ``release`` may block on I/O: call them
    off the event loop."""

    def hold(self) -> bool:
        """Take the lock, or check it is still held; True while this process leads."""
        ...

    def release(self) -> None:
        """Give the lock up (nothing when it is not held)."""
        ...

    def dispose(self) -> None:
        """Release, and close what the lock opened."""
        ...

    @property
    def held(self) -> bool:
        """Whether this process held the lock at the last ``hold``."""
        ...


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a dedicated connection."""

    def __init__(self, url: str, key: int = SCHEDULER_KEY) -> None:
        self.key = key
        # Its own engine without a pool: the lock's connection is never lent to a
        # request, and a standing-by process holds no connection between passes.
        self._engine = make_engine(url, poolclass=NullPool, connect_args=_PG_CONNECT_ARGS)
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def hold(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql("SELECT 1")
                return True
            except DBAPIError:
                # The session, and the lock with it, is gone on the server's side.
                log.warning("the leader lock's connection dropped: leadership lost")
                self._close()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        except BaseException:
            conn.close()
            raise
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(DBAPIError):  # a dropped connection released it already
            self._conn.scalar(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._close()

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(DBAPIError):
                conn.close()

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()


class FileLock:
    """``flock`` on a file: held by one open file at a time, whichever process opened it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def hold(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who leads, for a person looking
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def dispose(self) -> None:
        self.release()


class AlwaysLeader:
    """A store no other process can open (in-memory SQLite): its process leads."""

    @property
    def held(self) -> bool:
        return True

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        return None

    def dispose(self) -> None:
        return None


def lock_path(database_file: str) -> Path:
    """The SQLite leader lock file, beside the database (as its ``-wal`` and ``-shm``)."""
    return Path(f"{database_file}-scheduler.lock")


def for_url(url: str) -> Leadership:
    """The leader lock of the store at ``url``."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return AdvisoryLock(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
            return AlwaysLeader()
        return FileLock(lock_path(parsed.database))
    raise ValueError(f"no leader lock for {parsed.get_backend_name()}")
