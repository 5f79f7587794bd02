"""Admission control: a bounded number of requests at once per worker, then a short
queue, then an honest "come back in a few seconds" instead of a crash.

Why this is also the cure for the rush's deadlock: every request takes at most
one database connection, and it may hold it across the thread hops of its
dependencies and handler. When more requests are inside the app than there are
connections, the ones holding a connection wait for a worker thread while the
threads wait for a connection. Admitting at most as many requests as the pool
has connections to spare (``Settings.check_capacity`` enforces it at start-up)
makes that wait impossible: an admitted request always finds a connection and
a thread. Everyone else waits briefly in the queue, holding nothing, or is told
to come back, which costs them nothing because the pool is the same for all who
ask before the window closes.

Health checks and the officers' screens have a reserved share of their own, so
the port keeps working while the applicants' rush is shed.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import deque
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from puerta.errors import SERVICE_BUSY
from puerta.i18n import M
from puerta.web import metrics
from puerta.web.language import LANGUAGE_COOKIE
from puerta.web.pages import wants_html
from puerta.web.problems import error_page, problem_body

PROBLEM_TYPE = b"application/problem+json"
HTML_TYPE = b"text/html; charset=utf-8"

BUSY = M(
    "rush.busy",
    "Puerta is very busy right now. Please try again in {seconds} seconds. Asking later "
    "costs nothing: everyone who asks before the window closes is in the same draw.",
)
#: Paths that keep working when applicants are shed: health, metrics (the operators'
#: view of the rush, no connection needed) and the officers' screens.
PRIORITY = re.compile(
    r"^/(healthz|metrics|api/v1/appointments/[^/]+|api/v1/ports/[^/]+/(appointments|briefing)"
    # #14 officers' console: the same screens as pages, and their photos
    r"|staff/ports/[^/]+/(arrivals(/[^/]+)?|briefing)|staff/lookup|staff/photos/.+)$"
)


#: The queue turns newest-first when more than this many times ``limit`` wait: a load
#: no longer served within a few requests' time (a connection count well above the
#: slots, as in the rush harness's 512) rather than a burst (64 on two workers).
LIFO_AFTER = 4


@dataclass
class Gate:
    """``limit`` at once, up to ``queue`` more waiting at most ``wait`` seconds each.

    The queue is served in order while it is short (up to ``LIFO_AFTER`` times as many
    waiting as there are slots: each waiter gets a slot within a few requests' time),
    and **newest first** once it is longer (adaptive LIFO, as in Facebook's "Fail at
    Scale"): under overload the requests that just arrived get the freed slots and
    answer quickly, while the oldest waiters run out their ``wait`` and are shed. First-
    in-first-out would instead make every admitted request wait nearly the whole
    ``wait`` (its place in a long line) and answer late for everyone. Order of arrival
    gives no advantage in Puerta (the pool is the same for all who ask before the window
    closes), so serving the newest is not unfair; and a shed request has waited ``wait``
    before its 503, so a client that retries at once comes back at most once per
    ``wait``, which keeps refusals from eating the CPU the admitted requests need."""

    limit: int
    queue: int
    wait: float
    active: int = 0
    waiting: int = 0
    admitted: int = 0
    shed: int = 0
    _waiters: deque[asyncio.Future[None]] = field(default_factory=deque, repr=False)

    async def enter(self) -> bool:
        """True when admitted (call ``leave`` after); False when the caller must be shed."""
        if self.active < self.limit:
            self.active += 1
            self.admitted += 1
            return True
        if self.waiting >= self.queue or self.wait <= 0:
            self.shed += 1
            return False
        slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(slot)
        self.waiting += 1
        try:
            await asyncio.wait_for(slot, self.wait)
        except TimeoutError:
            self.shed += 1
            return False
        finally:
            self.waiting -= 1
        self.admitted += 1  # the slot was handed over by ``leave``: ``active`` is unchanged
        return True

    def leave(self) -> None:
        """Hand the slot to a waiter still waiting (see the class), else free it."""
        newest_first = self.waiting > LIFO_AFTER * self.limit
        while self._waiters:
            slot = self._waiters.pop() if newest_first else self._waiters.popleft()
            if not slot.done():
                slot.set_result(None)
                return
        self.active -= 1


#: Distinct Accept-Language headers whose refusal is kept ready (a bound, not a cache
#: policy: past it, a refusal is rendered each time).
REFUSALS_KEPT = 64


class Admission:
    """Pure ASGI middleware: applicants through ``general``, health and officers through
    ``priority`` (its own slots, so a rush never locks the port out)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        reserved: int,
        queue: int,
        wait: float,
        retry_after: int,
    ) -> None:
        self.app = app
        self.general = Gate(limit, queue, wait)
        self.priority = Gate(reserved, queue, wait)
        self.retry_after = retry_after
        # The refusal's body by Accept-Language: under overload most answers are
        # refusals, and every microsecond one costs is taken from the admitted.
        self._refusals: dict[tuple[str | None, str | None, bool], tuple[bytes, str, bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        name = "priority" if PRIORITY.match(scope["path"]) else "general"
        gate = self.priority if name == "priority" else self.general
        scope[metrics.GATE] = name  # for the request's log line
        if not await gate.enter():
            scope[metrics.SHED] = True
            metrics.SHED_REQUESTS.labels(name).inc()
            await self._busy(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            gate.leave()

    def stats(self) -> dict[str, dict[str, int]]:
        return {
            name: {"active": g.active, "waiting": g.waiting, "admitted": g.admitted, "shed": g.shed}
            for name, g in (("general", self.general), ("priority", self.priority))
        }

    async def _busy(self, scope: Scope, receive: Receive, send: Send) -> None:
        """503 in the reader's language, with Retry-After; nothing else runs.

        problem+json for API clients, a page for a browser asking for one; either is
        rendered once per (language choice, Accept-Language, kind) and kept.
        """
        request = Request(scope, receive)
        html = wants_html(request)
        key = (
            request.cookies.get(LANGUAGE_COOKIE),
            request.headers.get("accept-language"),
            html,
        )
        known = self._refusals.get(key)
        if known is None:
            params = {"seconds": self.retry_after}
            if html:
                rendered = error_page(request, SERVICE_BUSY, BUSY, params)
                known = (bytes(rendered.body), rendered.headers["content-language"], HTML_TYPE)
            else:
                body, locale = problem_body(request, SERVICE_BUSY, BUSY, params)
                known = (json.dumps(body, ensure_ascii=False).encode(), locale, PROBLEM_TYPE)
            if len(self._refusals) < REFUSALS_KEPT:
                self._refusals[key] = known
        payload, locale, kind = known
        headers = [
            (b"content-type", kind),
            (b"content-length", str(len(payload)).encode()),
            (b"retry-after", str(self.retry_after).encode()),
            (b"content-language", locale.encode()),
            (b"cache-control", b"no-store"),
            (b"x-content-type-options", b"nosniff"),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
