"""Read-only units of work: reads take no write lock, and a write in one fails loudly."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from puerta.config import Settings
from puerta.db import Database
from puerta.ports import service as ports_service
from puerta.ports.models import Port

# Read-only units of work need a real engine (a savepoint cannot become read-only).
pytestmark = pytest.mark.committing

READ_ONLY_REFUSAL = r"(?i)read-?only"  # SQLite: "readonly database"; PostgreSQL: "read-only"


@pytest.fixture
def one_connection(db: Database, settings: Settings) -> Iterator[Database]:
    """The same store through a pool of one: every unit of work reuses one connection."""
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
    single = Database(db.url, pool_size=1, max_overflow=0)
    yield single
    single.engine.dispose()


def _capacity(database: Database) -> int:
    with database.read_only() as s:
        port = s.get(Port, "SYS")
        assert port is not None
        return port.daily_capacity


def _add_a_seat(database: Database) -> None:
    with database.read_only() as s:
        port = s.get(Port, "SYS")
        assert port is not None
        port.daily_capacity += 1
        s.flush()


def _delete_every_port(database: Database) -> None:
    with database.unit_of_work(read_only=True) as uow:
        uow.session.execute(text("DELETE FROM ports"))
        uow.commit()


def test_a_write_in_a_read_only_unit_of_work_fails_loudly(one_connection: Database) -> None:
    before = _capacity(one_connection)
    with pytest.raises(DBAPIError, match=READ_ONLY_REFUSAL):
        _add_a_seat(one_connection)
    with pytest.raises(DBAPIError, match=READ_ONLY_REFUSAL):
        _delete_every_port(one_connection)
    assert _capacity(one_connection) == before
    # The connection goes back to writing for the next unit of work that writes.
    with one_connection.session() as s:
        port = s.get(Port, "SYS")
        assert port is not None
        port.daily_capacity = before + 5
    assert _capacity(one_connection) == before + 5


def _in_thread(work) -> threading.Event:  # type: ignore[no-untyped-def]
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done


def test_a_writer_is_not_blocked_while_a_read_is_open(db: Database, settings: Settings) -> None:
    with db.session() as s:
        ports_service.ensure_ports(s, settings)

    def write() -> None:
        with db.session() as w:
            port = w.get(Port, "SYS")
            assert port is not None
            port.daily_capacity = 11

    with db.read_only() as reader:
        assert ports_service.list_ports(reader)  # the read's transaction is under way
        assert _in_thread(write).wait(timeout=10), "a writer waited for a read to end"
    assert _capacity(db) == 11


def test_a_read_is_not_blocked_while_a_write_is_open(db: Database, settings: Settings) -> None:
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
    seen: list[int] = []
    with db.session() as writer:
        port = writer.get(Port, "SYS")
        assert port is not None
        before = port.daily_capacity
        port.daily_capacity = before + 1
        writer.flush()  # holds the write lock (SQLite) and the row (PostgreSQL)
        assert _in_thread(lambda: seen.append(_capacity(db))).wait(timeout=10)
    assert seen == [before]  # the reader saw what was committed, without waiting
