"""The web side's sessions: GET and HEAD read without the write lock, and cannot write."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.ports import service as ports_service
from puerta.ports.models import Port
from puerta.web.app import create_app
from puerta.web.deps import DbSession, Public, ReadSession, SessionMisdeclared

# Read-only units of work need a real engine (a savepoint cannot become read-only).
pytestmark = pytest.mark.committing

HOLD_SECONDS = 10


class Probe:
    """Routes that show what a request's session can do, added to a real app."""

    def __init__(self) -> None:
        self.reading = threading.Event()
        self.release = threading.Event()

    def install(self, app: FastAPI) -> None:
        @app.get("/probe/hold", dependencies=[Public])
        def hold(db: ReadSession) -> dict[str, int]:
            """Read, then keep the transaction open until the test releases it."""
            seats = sum(p.daily_capacity for p in ports_service.list_ports(db))
            self.reading.set()
            assert self.release.wait(HOLD_SECONDS)
            return {"seats": seats}

        @app.get("/probe/write", dependencies=[Public])
        def write_in_a_read(db: ReadSession) -> None:
            port = db.get(Port, "SYS")
            assert port is not None
            port.daily_capacity += 1
            db.flush()

        @app.post("/probe/read-on-a-write", dependencies=[Public])
        def misdeclared_read(db: ReadSession) -> None:
            pass

        @app.get("/probe/write-on-a-read", dependencies=[Public])
        def misdeclared_write(db: DbSession) -> None:
            pass


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def probed(
    app_db: Database, settings: Settings, clock: FrozenClock, probe: Probe
) -> Iterator[TestClient]:
    app = create_app(settings, db=app_db, clock=clock)
    probe.install(app)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_a_writer_is_not_blocked_while_a_get_is_under_way(
    probed: TestClient, app_db: Database, probe: Probe
) -> None:
    answers: list[int] = []
    getter = threading.Thread(target=lambda: answers.append(probed.get("/probe/hold").status_code))
    getter.start()
    try:
        assert probe.reading.wait(HOLD_SECONDS)
        wrote = threading.Event()

        def write() -> None:
            with app_db.session() as s:
                port = s.get(Port, "SYS")
                assert port is not None
                port.daily_capacity = 3
            wrote.set()

        threading.Thread(target=write, daemon=True).start()
        assert wrote.wait(HOLD_SECONDS), "a writer waited for a GET's transaction"
    finally:
        probe.release.set()
        getter.join(HOLD_SECONDS)
    assert answers == [200]


def _capacity(db: Database) -> int:
    with db.read_only() as s:
        port = s.get(Port, "SYS")
        assert port is not None
        return port.daily_capacity


def test_a_write_in_a_get_fails_loudly(probed: TestClient, app_db: Database) -> None:
    before = _capacity(app_db)
    with pytest.raises(DBAPIError, match=r"(?i)read-?only"):
        probed.get("/probe/write")
    assert _capacity(app_db) == before


def test_the_wrong_session_for_the_method_is_a_programming_error(probed: TestClient) -> None:
    with pytest.raises(SessionMisdeclared):
        probed.post("/probe/read-on-a-write")
    with pytest.raises(SessionMisdeclared):
        probed.get("/probe/write-on-a-read")
