"""The rush: more concurrent requests than connections are all answered (no deadlock),
and beyond the queue the answer is an honest 503 with Retry-After, never a hang."""

from __future__ import annotations

import asyncio

import httpx
import pyotp
import pytest

from puerta.accounts import second_factor
from puerta.accounts import service as accounts_service
from puerta.accounts.mail import OutboxSender
from puerta.accounts.models import Role
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.ports import service as ports_service
from puerta.web.admission import PRIORITY, Gate
from puerta.web.app import create_app
from tests.api_support import STAFF_TOTP_SECRET

pytestmark = pytest.mark.committing  # several connections at once: a real engine


def _settings(base: Settings, **overrides: object) -> Settings:
    return base.model_copy(update=overrides)


def _app_and_tokens(db: Database, settings: Settings, clock: FrozenClock, users: int):
    """An app on its own small pool, and bearer tokens of ``users`` officers."""
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
        for i in range(users):
            officer = accounts_service.create_staff(
                s,
                email=f"o{i}@example.org",
                password="officer pass 1",
                role=Role.OFFICER,
                port_code="SYS",
                clock=clock,
            )
            second_factor.enrol_with_secret(
                s, user=officer, secret=STAFF_TOTP_SECRET, settings=settings, clock=clock
            )
    tokens = []
    with db.session() as s:
        for i in range(users):
            email = f"o{i}@example.org"
            check = accounts_service.check_password(
                email=email,
                stored_hash=accounts_service.stored_hash(s, email=email),
                password="officer pass 1",
            )
            mail = OutboxSender(clock)
            new = accounts_service.sign_in(
                s, check=check, settings=settings, clock=clock, mail=mail
            )
            # The officer's second step, as POST /api/v1/sessions/current/second-factor takes it.
            second_factor.give(
                s,
                auth=accounts_service.session_for_token(s, token=new.token, clock=clock),
                user=new.user,
                code=pyotp.TOTP(STAFF_TOTP_SECRET).at(clock.now()),
                settings=settings,
                clock=clock,
                mail=mail,
            )
            tokens.append(new.token)
    small = Database(
        db.url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    return create_app(settings, db=small, clock=clock), small, tokens


async def _burst(app, requests: list[tuple[str, dict[str, str]]]) -> list[httpx.Response]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        return await asyncio.wait_for(
            asyncio.gather(*(client.get(path, headers=h) for path, h in requests)), timeout=120
        )


def test_many_more_requests_than_connections_are_all_answered(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    """Today's deadlock recipe: 64 signed-in requests at once on a pool of 5 connections.

    Without admission control the requests holding a connection wait for a worker
    thread held by requests waiting for a connection; with it, every one is answered.
    """
    tight = _settings(
        settings,
        db_pool_size=5,
        db_max_overflow=0,
        db_pool_timeout=3.0,
        admission_limit=2,
        admission_reserved=1,
        admission_queue=256,
        admission_wait_seconds=60.0,
    )
    app, small, tokens = _app_and_tokens(db, tight, clock, users=8)
    try:
        calls = [("/api/v1/me", {"Authorization": f"Bearer {tokens[i % 8]}"}) for i in range(64)]
        answers = asyncio.run(_burst(app, calls))
    finally:
        small.engine.dispose()
    assert [r.status_code for r in answers] == [200] * 64


def _tight(settings: Settings) -> Settings:
    """One slot, no queue: the second request at once is shed, told to retry in 7 s."""
    return _settings(
        settings,
        db_pool_size=4,
        db_max_overflow=0,
        admission_limit=1,
        admission_reserved=1,
        admission_queue=0,
        admission_wait_seconds=0.0,
        retry_after_seconds=7,
    )


def test_beyond_the_queue_the_answer_is_503_with_retry_after_and_officers_still_work(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    tight = _tight(settings)
    app, small, tokens = _app_and_tokens(db, tight, clock, users=1)
    auth = {"Authorization": f"Bearer {tokens[0]}", "Accept-Language": "en"}
    try:
        answers = asyncio.run(_burst(app, [("/api/v1/me", auth)] * 32 + [("/healthz", {})]))
    finally:
        small.engine.dispose()
    statuses = [r.status_code for r in answers]
    assert set(statuses[:32]) == {200, 503}, statuses
    assert statuses[32] == 200  # the reserved share: health checks are never shed by the rush
    shed = next(r for r in answers if r.status_code == 503)
    assert shed.headers["retry-after"] == "7"
    assert shed.headers["content-type"] == "application/problem+json"
    body = shed.json()
    assert (body["code"], body["params"], body["type"]) == (
        "rush.busy",
        {"seconds": 7},
        "/problems/busy",
    )
    assert "costs nothing" in body["detail"]


def test_the_settings_refuse_more_admitted_requests_than_connections() -> None:
    with pytest.raises(ValueError, match="must always find a connection"):
        Settings(db_pool_size=10, db_max_overflow=0, admission_limit=8, admission_reserved=2)
    Settings(db_pool_size=12, db_max_overflow=0, admission_limit=8, admission_reserved=2)


def test_a_gate_admits_its_limit_queues_briefly_then_sheds() -> None:
    async def scenario() -> tuple[list[bool], int, int]:
        gate = Gate(limit=1, queue=1, wait=0.05)
        first = await gate.enter()
        waiter = asyncio.create_task(gate.enter())
        await asyncio.sleep(0)
        third = await gate.enter()  # the queue (1) is full: shed at once
        second = await waiter  # waited 50 ms, no slot freed: shed
        gate.leave()
        fourth = await gate.enter()  # the slot is free again
        return [first, second, third, fourth], gate.shed, gate.admitted

    outcomes, shed, admitted = asyncio.run(scenario())
    assert outcomes == [True, False, False, True]
    assert (shed, admitted) == (2, 2)


def test_a_queued_request_gets_the_slot_when_it_frees() -> None:
    async def scenario() -> bool:
        gate = Gate(limit=1, queue=4, wait=5.0)
        await gate.enter()
        waiter = asyncio.create_task(gate.enter())
        await asyncio.sleep(0.01)
        gate.leave()
        return await asyncio.wait_for(waiter, 1)

    assert asyncio.run(scenario()) is True


@pytest.mark.parametrize(
    ("path", "priority"),
    [
        ("/healthz", True),
        ("/metrics", True),
        ("/api/v1/appointments/ABC123", True),
        ("/api/v1/ports/SYS/appointments", True),
        ("/api/v1/ports/SYS/briefing", True),
        ("/api/v1/registrations/R1/requests", False),
        ("/api/v1/registrations/R1/status", False),
        ("/api/v1/ports", False),
        ("/healthz/x", False),
        ("/staff/ports/SYS/arrivals", True),
        ("/staff/ports/SYS/arrivals/ABC123", True),
        ("/staff/ports/SYS/briefing", True),
        ("/staff/lookup", True),
        ("/staff/photos/live/ABC123", True),
        ("/staff/photos/registered/R1/0", True),
        ("/staff/ports/SYS/arrivals/ABC123/process", False),
        ("/staff/sign-in", False),
    ],
)
def test_priority_paths(path: str, priority: bool) -> None:
    assert bool(PRIORITY.match(path)) is priority


def _first_served(waiters: int, limit: int) -> tuple[list[str], int]:
    """``waiters`` queue behind ``limit`` busy slots; one slot frees: who gets it?"""

    async def scenario() -> tuple[list[str], int]:
        gate = Gate(limit=limit, queue=8, wait=0.2)
        for _ in range(limit):
            assert await gate.enter()
        order: list[str] = []

        async def ask(name: str) -> None:
            order.append(f"{name}:{'in' if await gate.enter() else 'shed'}")

        tasks = []
        for i in range(waiters):
            tasks.append(asyncio.create_task(ask(f"w{i}")))
            await asyncio.sleep(0.01)
        gate.leave()
        await asyncio.wait_for(asyncio.gather(*tasks), 1)
        return order, gate.active

    return asyncio.run(scenario())


def test_a_short_queue_is_served_in_order() -> None:
    order, active = _first_served(waiters=4, limit=1)  # LIFO_AFTER x limit: still in order
    assert order == ["w0:in", "w1:shed", "w2:shed", "w3:shed"]
    assert active == 1  # the slot passed to w0 without being freed in between


def test_a_long_queue_serves_the_newest_and_the_oldest_time_out() -> None:
    order, active = _first_served(waiters=6, limit=1)  # more than LIFO_AFTER x limit
    assert order[0] == "w5:in"
    assert sorted(order[1:]) == [f"w{i}:shed" for i in range(5)]
    assert active == 1


def test_a_slot_freed_as_a_waiter_times_out_is_not_lost() -> None:
    async def scenario() -> tuple[int, int]:
        gate = Gate(limit=1, queue=8, wait=0.05)
        await gate.enter()
        waiters = [asyncio.create_task(gate.enter()) for _ in range(20)]
        await asyncio.sleep(0.05)
        gate.leave()
        results = await asyncio.gather(*waiters)
        for admitted in results:
            if admitted:
                gate.leave()
        return gate.active, gate.waiting

    assert asyncio.run(scenario()) == (0, 0)


def test_a_shed_browser_gets_a_page_in_its_language(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    tight = _tight(settings)
    app, small, _ = _app_and_tokens(db, tight, clock, users=1)
    page = {"Accept": "text/html", "Accept-Language": "en"}
    try:
        answers = asyncio.run(_burst(app, [("/", page)] * 16))
    finally:
        small.engine.dispose()
    shed = [r for r in answers if r.status_code == 503]
    assert shed, [r.status_code for r in answers]
    assert shed[0].headers["content-type"].startswith("text/html")
    assert shed[0].headers["retry-after"] == "7"
    assert "Wait 7 seconds, then try again." in shed[0].text
    assert '<html lang="en"' in shed[0].text
