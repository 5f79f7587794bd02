"""``puerta serve`` for real: two servers of two workers each on one store draw a day
once, and SIGTERM drains the requests in flight, refuses new ones and exits 0 within
the graceful timeout, with the scheduler stopped and its leader lock released."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from puerta.accounts.models import User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.draw.models import Draw
from puerta.pow import service as pow_service
from puerta.web import leader as leaders
from tests.draw.world import POOL_DAY, ask, person, registration
from tests.web import serving
from tests.web.serving import Answer, Served

pytestmark = [pytest.mark.slow, pytest.mark.committing, pytest.mark.timed]

GRACEFUL_SECONDS = 10  # the graceful_timeout setting's default
WAIT_SECONDS = 60
DRAIN_TEST_SECONDS = 2  # how long after SIGTERM the in-flight requests' bodies come


@pytest.fixture
def start(tmp_path: Path, db: Database) -> Iterator[Callable[[str], Served]]:
    """Start a ``puerta serve`` on the test store; whatever is left is killed at the end."""
    started: list[Served] = []

    def go(name: str) -> Served:
        started.append(serving.serve(tmp_path, db.url, name))
        return started[-1]

    yield go
    for served in started:
        served.kill()


def _lock_is_free(url: str) -> bool:
    lock = leaders.for_url(url)
    try:
        return lock.hold()
    finally:
        lock.dispose()


def _draws(db: Database) -> int:
    with db.read_only() as s:
        return s.scalar(select(func.count()).select_from(Draw).where(Draw.pool_date == POOL_DAY))


def _eventually(check: Callable[[], bool], seconds: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_two_servers_on_one_store_draw_a_day_once(
    db: Database, settings: Settings, clock: FrozenClock, start: Callable[[str], Served]
) -> None:
    for name in ("Ana", "Bo", "Cy"):  # requests of a past day: its draw is due now
        ask(db, settings, clock, registration(db, settings, clock, [person(name)]))
    servers = [start("a"), start("b")]  # 2 x 2 workers, each trying for the lock
    for served in servers:
        served.wait_ready()
    assert _eventually(lambda: _draws(db) == 1)
    time.sleep(3)  # three more passes of every worker (scheduler_interval_seconds=1)
    said = {text: [p for s in servers for p in s.pids_saying(text)] for text in _SAID}
    workers = [p for s in servers for p in s.worker_pids()]
    assert len(workers) == 4
    assert len(said["scheduler leader"]) == 1, said
    (leader,) = said["scheduler leader"]
    assert said[f"drew {POOL_DAY}"] == [leader]  # drawn once, by the leader alone
    assert sorted(said["scheduler standing by"]) == sorted(p for p in workers if p != leader)
    assert said["already run"] == []  # no other process even tried
    assert _draws(db) == 1
    for served in servers:
        served.terminate()
    for served in servers:
        code, _ = served.wait_exit(GRACEFUL_SECONDS)
        assert code == 0, served.log.read_text()
    assert _lock_is_free(db.url)


_SAID = ("scheduler leader", f"drew {POOL_DAY}", "scheduler standing by", "already run")


class Load:
    """Threads sending GETs one after another, each on a new connection, until stopped."""

    def __init__(self, port: int, threads: int = 4) -> None:
        self.port = port
        self.stop = threading.Event()
        self.answers: list[tuple[float, Answer]] = []  # (when it ended, the answer)
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        for n in range(10_000):  # bounded; stopped long before
            if self.stop.is_set():
                return
            answer = serving.get(self.port, "/api/v1/ports" if n % 2 else "/")
            self.answers.append((time.monotonic(), answer))

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self._threads:
            t.join(timeout=30)


def _proof(port: int) -> str:
    """A solved proof of work for one sign-up (``puerta.pow``), from the server's challenge."""
    challenge = httpx.get(f"http://127.0.0.1:{port}/api/v1/challenge", timeout=30).json()
    return pow_service.solve(challenge)


def _sign_up_in_flight(port: int, email: str, proof: str) -> tuple[socket.socket, bytes]:
    """A sign-up whose headers are sent and read: the app is waiting for its body (it
    answered ``100 Continue``). Returns the socket and the body still to send."""
    body = json.dumps({"email": email, "password": "correct horse battery"}).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        (
            "POST /api/v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"{pow_service.HEADER}: {proof}\r\n"
            "Content-Type: application/json\r\nExpect: 100-continue\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
    )
    assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    return sock, body


def test_sigterm_drains_in_flight_requests_and_exits_within_the_graceful_timeout(
    db: Database, start: Callable[[str], Served], tmp_path: Path
) -> None:
    served = start("drain")
    served.wait_ready()
    workers = served.worker_pids()
    emails = [f"drain{n}@example.org" for n in range(4)]
    proofs = [_proof(served.port) for _ in emails]  # solved before the clock starts
    with Load(served.port) as load:
        time.sleep(1.0)  # requests going on
        in_flight = [
            _sign_up_in_flight(served.port, e, p) for e, p in zip(emails, proofs, strict=True)
        ]
        served.terminate()
        signalled = served.signalled_at
        assert signalled is not None
        # New connections are refused once the workers have closed the listening socket.
        assert _eventually(lambda: serving.refuses(served.port), seconds=5)
        refused_after = time.monotonic() - signalled
    # The requests in flight at SIGTERM wait: their bodies arrive 2 s later, are answered.
    time.sleep(max(0.0, signalled + DRAIN_TEST_SECONDS - time.monotonic()))
    answers = []
    for sock, body in in_flight:
        with sock:
            sock.sendall(body)
            answers.append(serving.read_answer(sock))
    code, seconds = served.wait_exit(GRACEFUL_SECONDS)

    assert code == 0, served.log.read_text()
    assert seconds < GRACEFUL_SECONDS
    assert [(a.status, a.complete) for a in answers] == [(201, True)] * len(emails)
    with db.read_only() as s:  # and what they did is committed
        assert s.scalar(select(func.count()).where(User.email.in_(emails))) == len(emails)
    assert not [p for p in workers if serving.alive(p)]  # every worker has exited

    # The load: every answer complete and OK; only after SIGTERM were some refused.
    done = [a for _, a in load.answers if a.status is not None]
    assert len(done) > 10
    assert all(a.status == 200 and a.complete for a in done), [a for a in done if a.status != 200]
    unanswered = [(t, a) for t, a in load.answers if a.status is None]
    assert all(t >= signalled and a.received == 0 for t, a in unanswered), unanswered
    after = sum(1 for t, a in load.answers if t >= signalled and a.status == 200)
    print(  # shown with -s: what the drain looked like
        f"exit {code} after {seconds:.2f} s; refusing after {refused_after:.2f} s; "
        f"{len(done)} answered ({after} after SIGTERM), {len(unanswered)} refused"
    )

    assert served.pids_saying("scheduler stopped: leader lock released")
    assert _lock_is_free(db.url)
    # Both workers counted into the shared metrics files (data_dir/metrics).
    counted = {p.name for p in (tmp_path / "var" / "metrics").glob("counter_*.db")}
    assert counted == {f"counter_{pid}.db" for pid in workers}
