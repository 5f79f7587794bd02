"""What operators see of the rush: each metric moves when its event happens, /metrics
answers only loopback or the token, and several worker processes add up."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import exc as sa_exc

from puerta.config import Settings
from puerta.db import Database
from puerta.web import metrics, multiproc
from puerta.web.app import create_app
from puerta.web.deps import Public
from tests.api_support import Api

TEMPLATE = "/api/v1/registrations/{registration_id}/requests"
LOOPBACK = ("127.0.0.1", 50000)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- requests ---------------------------------------------------------------------------------


def test_a_request_is_counted_and_timed_by_its_route_template(api: Api) -> None:
    before = value("puerta_http_requests_total", method="GET", route=TEMPLATE, status="4xx")
    timed = value("puerta_http_request_duration_seconds_count", method="GET", route=TEMPLATE)
    r = api.client.get("/api/v1/registrations/R-NOT-MINE-123/requests")
    assert r.status_code == 401
    assert len(r.headers["x-request-id"]) == 16
    after = value("puerta_http_requests_total", method="GET", route=TEMPLATE, status="4xx")
    assert after == before + 1
    assert (
        value("puerta_http_request_duration_seconds_count", method="GET", route=TEMPLATE)
        == timed + 1
    )
    assert b"R-NOT-MINE-123" not in metrics.exposition()  # the template, never the path


def test_paths_no_route_answers_share_one_label(api: Api) -> None:
    before = value("puerta_http_requests_total", method="GET", route="unmatched", status="4xx")
    for n in range(3):
        assert api.client.get(f"/no/such/page/{n}").status_code == 404
    after = value("puerta_http_requests_total", method="GET", route="unmatched", status="4xx")
    assert after == before + 3


def test_a_shed_request_is_counted_by_its_gate_and_its_route(settings: Settings) -> None:
    """One slot, no queue: while a request holds the slot, the next one is shed."""
    tight = settings.model_copy(
        update={"admission_limit": 1, "admission_queue": 0, "admission_wait_seconds": 0.0}
    )
    app = create_app(tight)  # its own (unused) SQLite store: these routes need none
    entered, release = asyncio.Event(), asyncio.Event()

    @app.get("/slow/{thing_id}", dependencies=[Public])
    async def slow(thing_id: str) -> dict[str, str]:
        entered.set()
        await release.wait()
        return {"thing": thing_id}

    async def scenario() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            holder = asyncio.create_task(c.get("/slow/first"))
            await asyncio.wait_for(entered.wait(), 10)
            shed = await c.get("/slow/second")
            release.set()
            return shed.status_code, (await holder).status_code

    shed_before = value("puerta_http_requests_shed_total", gate="general")
    answered = value(
        "puerta_http_requests_total", method="GET", route="/slow/{thing_id}", status="5xx"
    )
    assert asyncio.run(scenario()) == (503, 200)
    assert value("puerta_http_requests_shed_total", gate="general") == shed_before + 1
    assert (
        value("puerta_http_requests_total", method="GET", route="/slow/{thing_id}", status="5xx")
        == answered + 1
    )


# --- the pool and the draw ----------------------------------------------------------------------


def test_checkouts_are_timed_and_timeouts_counted(tmp_path: Path) -> None:
    small = Database(
        f"sqlite:///{tmp_path / 'pool.sqlite3'}", pool_size=1, max_overflow=0, pool_timeout=0.05
    )
    try:
        metrics.watch_pool(small.engine)
        metrics.watch_pool(small.engine)  # a second app on the same engine: not counted twice
        timed = value("puerta_db_pool_checkout_seconds_count")
        timeouts = value("puerta_db_pool_checkout_timeouts_total")
        in_use = value("puerta_db_pool_checked_out")
        with small.engine.connect():
            assert value("puerta_db_pool_checked_out") == in_use + 1
            with pytest.raises(sa_exc.TimeoutError):
                small.engine.connect()
        assert value("puerta_db_pool_checked_out") == in_use
        assert value("puerta_db_pool_checkout_seconds_count") == timed + 1
        assert value("puerta_db_pool_checkout_timeouts_total") == timeouts + 1
        assert value("puerta_db_pool_size") == 1
        small.engine.dispose()  # a new pool: still timed
        with small.engine.connect():
            pass
        assert value("puerta_db_pool_checkout_seconds_count") == timed + 2
    finally:
        small.engine.dispose()


@pytest.mark.committing  # the app's own engine and pool
def test_a_request_that_reads_the_store_checks_a_connection_out(
    db: Database, settings: Settings
) -> None:
    app = create_app(settings, db=db)
    timed = value("puerta_db_pool_checkout_seconds_count")
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/api/v1/ports").status_code == 200
    assert value("puerta_db_pool_checkout_seconds_count") >= timed + 1
    assert value("puerta_db_pool_size") == db.engine.pool.size()  # type: ignore[attr-defined]


def test_the_schedulers_draw_is_timed(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from puerta.draw import service as draw_service
    from puerta.errors import DrawAlreadyRun
    from puerta.web import scheduler

    day = date(2026, 3, 4)
    monkeypatch.setattr(draw_service, "due_pool_dates", lambda *_, **__: [day])
    monkeypatch.setattr(
        draw_service, "run_draw", lambda *_, **__: SimpleNamespace(seats_offered=3, warnings=[])
    )
    drawn = value("puerta_draw_duration_seconds_count")
    assert "drew 2026-03-04: 3 seats" in scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert value("puerta_draw_duration_seconds_count") == drawn + 1

    def elsewhere(*_: object, pool_date: date, **__: object) -> None:
        raise DrawAlreadyRun(pool_date=pool_date)

    monkeypatch.setattr(draw_service, "run_draw", elsewhere)
    scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert value("puerta_draw_duration_seconds_count") == drawn + 1  # no draw, no observation


# --- who may read /metrics ----------------------------------------------------------------------


@pytest.fixture
def metrics_app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"metrics_token": "s3cret-scrape"}))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_reads_the_metrics(metrics_app: FastAPI, host: str) -> None:
    r = TestClient(metrics_app, client=(host, 50000)).get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE puerta_http_requests_total counter" in r.text
    assert "puerta_http_request_duration_seconds_bucket" in r.text


def test_anyone_else_gets_the_404_of_a_path_that_is_not_there(metrics_app: FastAPI) -> None:
    outside = TestClient(metrics_app, client=("203.0.113.9", 50000))
    nothing = outside.get("/no-such-thing")
    refusals = [
        outside.get("/metrics"),
        outside.get("/metrics", headers={"Authorization": "Bearer wrong"}),
        outside.get("/metrics", headers={"Authorization": "Basic s3cret-scrape"}),
        # through a proxy on this machine: loopback, but not local
        TestClient(metrics_app, client=LOOPBACK).get(
            "/metrics", headers={"X-Forwarded-For": "203.0.113.9"}
        ),
        TestClient(metrics_app).get("/metrics"),  # "testclient": not an address at all
    ]
    for r in refusals:
        assert (r.status_code, r.content) == (404, nothing.content)
        assert r.headers["content-type"] == nothing.headers["content-type"]


def test_the_token_opens_the_metrics_from_anywhere(metrics_app: FastAPI) -> None:
    outside = TestClient(metrics_app, client=("203.0.113.9", 50000))
    r = outside.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert r.status_code == 200
    assert "puerta_db_pool_size" in r.text


def test_without_a_token_setting_no_bearer_opens_it(settings: Settings) -> None:
    app = create_app(settings)  # metrics_token empty
    outside = TestClient(app, client=("203.0.113.9", 50000))
    assert outside.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_are_not_in_the_api_schema(metrics_app: FastAPI) -> None:
    assert "/metrics" not in metrics_app.openapi()["paths"]


# --- several worker processes -------------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import asyncio, os
    import httpx
    from fastapi import FastAPI
    from puerta.web import metrics

    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: str) -> dict[str, str]:
        return {"item": item_id}

    app.add_middleware(metrics.RequestMetrics)

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://w") as client:
            for n in range(3):
                assert (await client.get(f"/items/{n}")).status_code == 200
    asyncio.run(main())
    metrics.SHED_REQUESTS.labels("general").inc()
    metrics.POOL_SIZE.set(6)
    print(os.getpid())
    """
)


def test_two_worker_processes_add_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(multiproc.ENV, raising=False)  # put back as it was after the test
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_1234.db").write_bytes(b"from the last run")
    directory = multiproc.prepare_metrics_dir(tmp_path)
    assert os.environ[multiproc.ENV] == str(directory)
    assert list(directory.iterdir()) == []  # a fresh start: no counts carried over
    env = {**os.environ, multiproc.ENV: str(directory)}
    workers = [
        subprocess.run(
            [sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, timeout=120
        )
        for _ in range(2)
    ]
    assert [w.returncode for w in workers] == [0, 0], [w.stderr for w in workers]
    pids = [int(w.stdout.strip()) for w in workers]

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    labels = {"method": "GET", "route": "/items/{item_id}", "status": "2xx"}
    assert registry.get_sample_value("puerta_http_requests_total", labels) == 6
    assert registry.get_sample_value("puerta_http_requests_shed_total", {"gate": "general"}) == 2
    assert registry.get_sample_value("puerta_db_pool_size", {}) == 12  # livesum

    # /metrics, whichever worker answers it, reads the shared directory.
    text = metrics.exposition().decode()
    assert (
        'puerta_http_requests_total{method="GET",route="/items/{item_id}",status="2xx"} 6.0' in text
    )

    for pid in pids:  # what a stopping worker does: its live gauges go with it
        mark_process_dead(pid, str(directory))
    again = CollectorRegistry()
    MultiProcessCollector(again, path=str(directory))
    assert again.get_sample_value("puerta_db_pool_size", {}) is None
    assert again.get_sample_value("puerta_http_requests_total", labels) == 6  # counts stay


def test_a_stopping_worker_takes_its_live_gauges_along(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(multiproc.ENV, str(tmp_path))
    mine = tmp_path / f"gauge_livesum_{os.getpid()}.db"
    mine.write_bytes(b"")
    with TestClient(create_app(settings)) as client:  # startup, then shutdown
        assert client.get("/healthz").status_code == 200
    assert not mine.exists()


def test_the_cli_starts_without_loading_prometheus_client() -> None:
    """``puerta serve`` points PROMETHEUS_MULTIPROC_DIR at the shared directory before
    anything imports prometheus_client; a command module that loads it at the CLI's start
    (metrics defined at import) would leave every worker counting alone."""
    import subprocess
    import sys

    probe = "import sys, puerta.cli.main; sys.exit(int('prometheus_client' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0
