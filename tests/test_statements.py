"""The hot path's store on PostgreSQL: psycopg's async pool, as ``puerta serve`` runs it.

The other hot-path tests run the statements in a thread inside the test's
savepoint; these commit for real, through :class:`PgStatements`, so that the
SQL as PostgreSQL types it (parameters, casts, ``RETURNING``) is what is tested.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.journey.hot_path import STATUS
from puerta.ports import service as ports_service
from puerta.statements import PgStatements, Statement, conninfo
from puerta.web.app import create_app
from tests.api.test_journey import run_draw
from tests.api_support import Api, proving
from tests.conftest import _empty

pytestmark = [pytest.mark.postgres, pytest.mark.committing]


@pytest.fixture
def pg_api(_postgresql_database: Database, settings: Settings, clock: FrozenClock) -> Iterator[Api]:
    pg_db = _postgresql_database
    _empty(pg_db)
    with pg_db.session() as s:
        ports_service.ensure_ports(s, settings)
    statements = PgStatements(pg_db.url, min_size=1, max_size=2, timeout=2)
    app = create_app(settings, db=pg_db, clock=clock, statements=statements)
    try:
        with TestClient(app, base_url="https://testserver") as client:
            yield Api(proving(client), pg_db, clock)
    finally:
        _empty(pg_db)


def test_conninfo_is_a_libpq_uri() -> None:
    url = "postgresql+psycopg://puerta:s3cret@db.example:5433/puerta"
    assert conninfo(url) == "postgresql://puerta:s3cret@db.example:5433/puerta"


def test_pyformat_keeps_casts_and_escapes_percent() -> None:
    st = Statement("t", "SELECT CAST(:a AS VARCHAR(8)) || '%' WHERE x::text = :b")
    assert st.pyformat == "SELECT CAST(%(a)s AS VARCHAR(8)) || '%%' WHERE x::text = %(b)s"


def test_the_journey_through_the_async_pool(pg_api: Api, settings: Settings) -> None:
    api = pg_api
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2)
    first = api.request(token, rid)
    assert first.status_code == 201, first.text
    again = api.request(token, rid)
    assert (again.status_code, again.json()) == (200, first.json())
    status = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(token))
    assert status.json()["stage"] == "pending_request"
    run_draw(api, settings)
    status = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(token))
    assert status.json()["stage"] == "selected"
    entry = api.client.get(f"/api/v1/registrations/{rid}/entry", headers=api.auth(token)).json()
    assert entry["stage"] == "drawn"
    assert entry["result"] == "selected"
    assert len(entry["inclusion_proof"]) >= 0
    other = api.sign_up_verified("bo@example.org")
    refused = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(other))
    assert (refused.status_code, refused.json()["code"]) == (404, "registration.not_found")


def test_a_checkout_waits_at_most_the_timeout(pg_api: Api) -> None:
    api = pg_api
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token)
    statements = PgStatements(api.db.url, min_size=1, max_size=1, timeout=0.2)
    api.client.app.state.statements = statements  # type: ignore[attr-defined]
    hold = Statement("hold", "SELECT pg_sleep(1.5) AS slept")

    async def both() -> list[int]:
        held = asyncio.ensure_future(statements.one(hold, {}))
        await asyncio.sleep(0.3)
        try:
            await statements.one(
                STATUS, {"token_hash": "", "now": api.clock.now(), "registration_id": rid}
            )
        except Exception as exc:
            kind = type(exc).__name__
        else:
            kind = "answered"
        await held
        await statements.close()
        return [kind]

    assert asyncio.run(both()) == ["PoolTimeout"]


def test_round_trips_per_call_on_the_hot_path(pg_api: Api, settings: Settings) -> None:
    """The figures BENCHMARKS.md quotes: statements per call, hot and through the ORM."""
    from sqlalchemy import event

    from tests.journey.test_hot_path import Recording

    api = pg_api
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2)
    app = api.client.app
    spy = Recording(app.state.statements)  # type: ignore[attr-defined]
    app.state.statements = spy  # type: ignore[attr-defined]
    orm: list[str] = []

    def on_statement(*args: Any, **_: Any) -> None:
        orm.append(args[2])

    event.listen(api.db.engine, "before_cursor_execute", on_statement)

    def count(call: Any) -> tuple[int, int]:
        spy.found.clear()
        orm.clear()
        call()
        return len(spy.found), len(orm)

    def get(path: str) -> None:
        r = api.client.get(f"/api/v1/registrations/{rid}/{path}", headers=api.auth(token))
        assert r.status_code == 200, r.text

    try:
        assert count(lambda: api.request(token, rid)) == (1, 0)
        assert count(lambda: api.request(token, rid)) == (2, 0)  # a retry: ASK, IN_POOL
        assert count(lambda: get("status")) == (1, 0)
        run_draw(api, settings)
        assert count(lambda: get("entry")) == (3, 0)  # first: records and draw, once
        assert count(lambda: get("entry")) == (1, 0)
        assert count(lambda: get("status")) == (1, 0)
    finally:
        event.remove(api.db.engine, "before_cursor_execute", on_statement)


def test_many_more_calls_than_connections_are_all_answered(pg_api: Api) -> None:
    """The rush's deadlock recipe on the hot path: 64 at once on a pool of 2."""
    api = pg_api
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token)
    from puerta.accounts.service import token_hash

    async def rush() -> list[bool]:
        statements = PgStatements(api.db.url, min_size=1, max_size=2, timeout=10)
        params = {"token_hash": token_hash(token), "now": api.clock.now(), "registration_id": rid}
        try:
            rows = await asyncio.gather(*(statements.one(STATUS, params) for _ in range(64)))
        finally:
            await statements.close()
        return [row is not None and row["registration_status"] == "active" for row in rows]

    assert asyncio.run(asyncio.wait_for(rush(), 30)) == [True] * 64
