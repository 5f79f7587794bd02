"""Nothing acknowledged is lost (issue 10, item 6).

A throwaway PostgreSQL instance (``tests/faults/pg.py``, never the shared
server) holds a small store; ``puerta serve`` runs against it in its own
process group. A few client threads ask for appointments, each registration
until it gets a 2xx, retrying after a timeout, a connection error or a 5xx, as
an applicant's phone would. Under that load the app server is killed with
SIGKILL and restarted on the same port, then the PostgreSQL instance is
killed with SIGKILL and restarted (crash recovery). Some first attempts give
up at once (a 1 ms read timeout), so the server finishes work the client
never hears about.

Afterwards: every registration the client saw acknowledged has exactly one
request in the pool, the one its acknowledgement described; asking again
returns that same request (200); and no other registration has a row.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa

from puerta.bench.rush import options, store
from puerta.bench.rush.server import Server
from puerta.bench.rush.server import free_port as free_app_port
from puerta.clock import SystemClock
from puerta.config import Settings
from puerta.requests.models import AppointmentRequest
from puerta.requests.service import window_from
from tests.faults.pg import Instance

pytestmark = pytest.mark.slow

APPLICANTS = 200
THREADS = 4
BODY = {"port_code": "SYS", "latitude": 32.5149, "longitude": -117.0382}
PATIENT = httpx.Timeout(5.0, connect=2.0)
IMPATIENT = httpx.Timeout(5.0, connect=2.0, read=0.001)  # gives up before the answer
IMPATIENT_EVERY = 8  # the first attempt of every 8th registration
PACE_S = 0.06  # between one registration's ack and the next registration, per thread
MAX_ATTEMPTS = 80
LOAD_DEADLINE_S = 75.0  # the whole load, faults included
APP_KILL_AT = 0.25  # share of the registrations acknowledged when the app is killed
PG_KILL_AT = 0.55  # ... when PostgreSQL is killed
PG_DOWN_S = 1.5
ASK_AGAIN_S = 45.0  # every acknowledged registration asks once more, within this
AMBIGUOUS = "ambiguous"  # a timeout, a connection error or a 5xx: stored or not, unknown


def _window_around_now(zone: str) -> tuple[str, str]:
    """A request window from three hours ago to three hours ahead (local): whatever the
    hour (the default window is shut 11:00-12:00 New York time), the test asks inside it."""
    now = SystemClock().now().astimezone(ZoneInfo(zone))
    return (now - timedelta(hours=3)).strftime("%H:%M"), (now + timedelta(hours=3)).strftime(
        "%H:%M"
    )


@dataclass
class Attempt:
    registration: str
    n: int
    phase: str
    outcome: str  # "201", "200", "503", "ConnectError", "ReadTimeout", ...
    impatient: bool = False
    body: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        if self.outcome.isdigit():
            code = int(self.outcome)
            if 200 <= code < 300:
                return "ack"
            return AMBIGUOUS if code >= 500 else "refused"
        return AMBIGUOUS


@dataclass
class Load:
    """The client side: threads asking, each registration until a 2xx; what they saw."""

    base: str
    applicants: list[store.Applicant]
    deadline: float
    phase: str = "before faults"
    attempts: list[Attempt] = field(default_factory=list)
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.todo = list(enumerate(self.applicants))
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(THREADS)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, end - time.monotonic()))

    def acked_count(self) -> int:
        with self.lock:
            return len(self.acked)

    def _next(self) -> tuple[int, store.Applicant] | None:
        with self.lock:
            return self.todo.pop(0) if self.todo else None

    def _work(self) -> None:
        try:
            with httpx.Client(base_url=self.base, timeout=PATIENT) as http:
                while time.monotonic() < self.deadline and (item := self._next()):
                    self._ask_until_acked(http, *item)
                    time.sleep(PACE_S)
        except Exception as exc:  # a bug in the client: make it visible, do not hang
            with self.lock:
                self.errors.append(repr(exc))

    def _ask_until_acked(self, http: httpx.Client, index: int, who: store.Applicant) -> None:
        headers = {"Authorization": f"Bearer {who.token}"}
        url = f"/api/v1/registrations/{who.registration_id}/requests"
        for n in range(1, MAX_ATTEMPTS + 1):
            if time.monotonic() >= self.deadline:
                return
            impatient = n == 1 and index % IMPATIENT_EVERY == 0
            with self.lock:
                self.in_flight += 1
                phase = self.phase
            body = None
            try:
                r = http.post(
                    url, json=BODY, headers=headers, timeout=IMPATIENT if impatient else PATIENT
                )
                outcome = str(r.status_code)
                if 200 <= r.status_code < 300:
                    body = r.json()
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            attempt = Attempt(who.registration_id, n, phase, outcome, impatient, body)
            with self.lock:
                self.in_flight -= 1
                self.attempts.append(attempt)
                if attempt.kind == "ack":
                    self.acked[who.registration_id] = body  # type: ignore[assignment]
            if attempt.kind != AMBIGUOUS:
                return
            time.sleep(min(0.1 * 2 ** min(n, 4), 1.0))  # back off, then ask again

    def wait_until(self, share: float, timeout: float) -> bool:
        """Until ``share`` of the registrations are acknowledged and a request is in flight."""
        end = min(time.monotonic() + timeout, self.deadline)
        goal = int(share * len(self.applicants))
        while time.monotonic() < end:
            with self.lock:
                if len(self.acked) >= goal and self.in_flight > 0:
                    return True
            time.sleep(0.001)
        return False

    def set_phase(self, phase: str) -> None:
        with self.lock:
            self.phase = phase


def _kill_app(server: Server) -> dict[str, Any]:
    assert server.proc is not None
    pid = server.proc.pid
    os.killpg(pid, 9)  # SIGKILL the process group: no shutdown, no last commit
    server.proc.wait(timeout=10)
    return {"pid": pid, "returncode": server.proc.returncode}


def _stored(url: str, after: date) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            q = AppointmentRequest.__table__
            rows = conn.execute(
                sa.select(
                    q.c.id,
                    q.c.registration_id,
                    q.c.pool_date,
                    q.c.port_code,
                    q.c.status,
                    q.c.created_at,
                ).where(q.c.pool_date > after)
            ).mappings()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def _same_request(ack: dict[str, Any], row: dict[str, Any]) -> bool:
    return (
        ack["id"] == row["id"]
        and ack["registration_id"] == row["registration_id"]
        and ack["pool_date"] == row["pool_date"].isoformat()
        and ack["port_code"] == row["port_code"]
        and ack["status"] == row["status"]
        and datetime.fromisoformat(ack["created_at"]) == row["created_at"]
    )


def test_nothing_acknowledged_is_lost(throwaway_postgres: Instance, tmp_path: Path) -> None:
    t0 = time.monotonic()
    pg = throwaway_postgres
    name, url = store.create_database(pg.url())
    opens, closes = _window_around_now(Settings(_env_file=None).timezone)
    overrides = {
        "database_url": url,
        "data_dir": str(tmp_path / "var"),
        "secret_key": "fault-" + os.urandom(8).hex(),
        "window_opens": opens,
        "window_closes": closes,
        "scheduler_enabled": "false",
        "db_pool_timeout": "3",
    }
    capacity = options.small_store_capacity(APPLICANTS, Settings(_env_file=None))
    if capacity is not None:
        overrides["daily_capacity"] = str(capacity)
    settings = Settings(_env_file=None, **overrides)  # type: ignore[arg-type]
    assert options.window_open_through(settings, 600) is None
    pool_date = window_from(settings).pool_date(SystemClock().now())
    data = store.build(url, name, applicants=APPLICANTS, settings=settings, seed=6)
    askers = data.askers
    assert len(askers) > APPLICANTS // 2
    env = {**os.environ, **{f"PUERTA_{k.upper()}": v for k, v in overrides.items()}}
    server = Server(free_app_port(), env, tmp_path, options=("--no-scheduler",))
    load = Load(server.base, askers, deadline=time.monotonic() + LOAD_DEADLINE_S)
    faults: dict[str, Any] = {}
    try:
        server.start()
        built_s = time.monotonic() - t0
        load.start()

        # 1. the app server dies mid-request and comes back on the same port
        assert load.wait_until(APP_KILL_AT, timeout=30), "load never reached the app kill"
        faults["app_in_flight_at_kill"] = load.in_flight
        load.set_phase("app down")
        faults["app_kill"] = _kill_app(server)
        time.sleep(0.5)
        server.start()
        faults["app_restart_s"] = round(server.started_s, 2)
        load.set_phase("app restarted")

        # 2. PostgreSQL dies mid-request, stays down a moment, recovers
        assert load.wait_until(PG_KILL_AT, timeout=30), "load never reached the PostgreSQL kill"
        faults["pg_in_flight_at_kill"] = load.in_flight
        load.set_phase("postgres down")
        faults["pg_postmaster_killed"] = pg.crash()
        time.sleep(PG_DOWN_S)
        t_pg = time.monotonic()
        pg.start()
        faults["pg_restart_s"] = round(time.monotonic() - t_pg, 2)
        load.set_phase("postgres restarted")

        load.join(timeout=max(0.0, load.deadline - time.monotonic()) + 10)
        assert not load.errors, load.errors
        assert not any(t.is_alive() for t in load.threads), "client threads outlived the deadline"
        load_s = time.monotonic() - t0 - built_s

        # 3. every acknowledged registration asks again: the same request, 200
        again: Counter[str] = Counter()
        changed = []
        with httpx.Client(base_url=server.base, timeout=PATIENT) as http:
            asking_again_until = time.monotonic() + ASK_AGAIN_S
            for who in askers:
                if who.registration_id not in load.acked:
                    continue
                assert time.monotonic() < asking_again_until, "asking again took too long"
                r = http.post(
                    f"/api/v1/registrations/{who.registration_id}/requests",
                    json=BODY,
                    headers={"Authorization": f"Bearer {who.token}"},
                )
                again[str(r.status_code)] += 1
                if r.status_code != 200 or r.json() != load.acked[who.registration_id]:
                    changed.append((who.registration_id, r.status_code, r.text[:200]))
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.stop(grace=5)
        load.deadline = 0.0  # any client thread still asking stops at its next attempt
    log_after_crash = pg.log.read_text(errors="replace")

    # 4. the store against what the client saw
    rows = _stored(url, after=data.drawn_pool)
    per_registration = Counter(r["registration_id"] for r in rows)
    asked = {a.registration_id for a in askers}
    by_registration = {r["registration_id"]: r for r in rows}
    lost = sorted(set(load.acked) - set(by_registration))
    duplicated = sorted(rid for rid, n in per_registration.items() if n > 1)
    mismatched = sorted(
        rid
        for rid, ack in load.acked.items()
        if rid in by_registration and not _same_request(ack, by_registration[rid])
    )
    strangers = sorted(set(by_registration) - asked)
    unacked = sorted(asked - set(load.acked))
    refused = [a for a in load.attempts if a.kind == "refused"]
    ambiguous_before_ack = {
        a.registration
        for a in load.attempts
        if a.kind == AMBIGUOUS and a.registration in load.acked
    }
    ack_status = {a.registration: a.outcome for a in load.attempts if a.kind == "ack"}
    retried_found_earlier = sum(ack_status[r] == "200" for r in ambiguous_before_ack)
    summary = {
        "seconds": {
            "setup": round(built_s, 1),
            "load_with_faults": round(load_s, 1),
            "total": round(time.monotonic() - t0, 1),
        },
        "registrations_asking": len(askers),
        "attempts": len(load.attempts),
        "outcomes_by_phase": {
            phase: dict(Counter(a.outcome for a in load.attempts if a.phase == phase))
            for phase in dict.fromkeys(a.phase for a in load.attempts)
        },
        "impatient_first_attempts": sum(a.impatient for a in load.attempts),
        "acknowledged": len(load.acked),
        "acknowledged_after_an_ambiguous_attempt": len(ambiguous_before_ack),
        "of_which_the_retry_found_the_earlier_request_200": retried_found_earlier,
        "asked_again_after_the_faults": dict(again),
        "rows_stored_for_the_pool": len(rows),
        "faults": faults,
        "postgres_crashes": pg.crashes,
    }
    print("nothing-lost:", json.dumps(summary, default=str))

    assert {r["pool_date"] for r in rows} <= {pool_date}
    assert not lost, f"acknowledged (2xx) but not stored: {lost}"
    assert not duplicated, f"two requests for one pool date: {duplicated}"
    assert not mismatched, f"stored request differs from its acknowledgement: {mismatched}"
    assert not strangers, f"stored for registrations that did not ask: {strangers}"
    assert not refused, [(a.registration, a.outcome) for a in refused]
    assert not unacked, f"never acknowledged within {MAX_ATTEMPTS} attempts: {unacked}"
    assert not changed, f"asking again did not return the same request: {changed[:5]}"
    assert again == {"200": len(load.acked)}
    assert all(ack["pool_date"] == pool_date.isoformat() for ack in load.acked.values())
    # the faults were real: answers were lost during both outages, and PostgreSQL recovered
    assert any(a.kind == AMBIGUOUS for a in load.attempts if a.phase == "app down")
    assert any(a.kind == AMBIGUOUS for a in load.attempts if a.phase == "postgres down")
    assert "not properly shut down; automatic recovery in progress" in log_after_crash
