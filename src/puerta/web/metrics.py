"""What operators see of the rush: Prometheus metrics, and one log line a request.

``RequestMetrics`` (pure ASGI, outside the admission gate so that shed requests
are timed, counted and logged too) records every request by its route
*template* (``/api/v1/registrations/{registration_id}/requests``, never the
path with its ids), method and status class, and writes one ``puerta.access``
log record with no personal data in it (no path, query, address, email or
token). ``watch_pool`` times connection checkouts; the scheduler times the
draw; ``admission.py`` counts what it sheds.

Several worker processes: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
before the workers start (``puerta.web.multiproc.prepare_metrics_dir``); every
worker then writes its values to files there and ``/metrics``, whichever
worker answers, adds them up (``prometheus_client.multiprocess``).

``/metrics`` answers loopback clients (127.0.0.0/8, ::1) that did not come
through a proxy, and anyone sending ``Authorization: Bearer <metrics_token>``;
everyone else gets the 404 of a path that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import secrets
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from puerta.web import multiproc
from puerta.web.deps import Public

#: Keys the admission gate leaves in the ASGI scope: the gate a request went
#: through, and True when it was shed.
GATE = "puerta.gate"
SHED = "puerta.shed"
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

disable_created_metrics()  # no ``*_created`` series: they double a scrape and tell nothing here

#: The targets are 150 ms (status), 250 ms (request) and 500 ms (p99): each is a bucket edge.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CHECKOUT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
DRAW_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)

REQUESTS = Counter(
    "puerta_http_requests",
    "HTTP requests answered, by method, route template and status class (2xx, 4xx, ...).",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "puerta_http_request_duration_seconds",
    "Time from the request's arrival to its last byte, queueing at the gate included.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
SHED_REQUESTS = Counter(
    "puerta_http_requests_shed",
    "Requests the admission gate answered 503 (queue full or wait over), by gate.",
    ["gate"],
)
CHECKOUT = Histogram(
    "puerta_db_pool_checkout_seconds",
    "Time to get a connection from the pool: waiting for a free one, or opening one.",
    buckets=CHECKOUT_BUCKETS,
)
CHECKOUT_TIMEOUTS = Counter(
    "puerta_db_pool_checkout_timeouts",
    "Connection checkouts that gave up after db_pool_timeout.",
)
POOL_SIZE = Gauge(
    "puerta_db_pool_size",
    "Connections the pools keep (db_pool_size), summed over live workers.",
    multiprocess_mode="livesum",
)
CHECKED_OUT = Gauge(
    "puerta_db_pool_checked_out",
    "Connections in use now, summed over live workers.",
    multiprocess_mode="livesum",
)
DRAW = Histogram(
    "puerta_draw_duration_seconds",
    "Time the scheduler's daily draw took, committed (one observation a pool date).",
    buckets=DRAW_BUCKETS,
)

access_log = logging.getLogger("puerta.access")


# --- requests ---------------------------------------------------------------------------------


def route_of(scope: Scope) -> str | None:
    """The template of the route that answered, once routing has run (None before)."""
    route = scope.get("route")
    if route is not None:
        return getattr(route, "path_format", None)
    return None


class RequestMetrics:
    """Pure ASGI middleware: counts, times and logs each request; adds ``X-Request-ID``.

    Outermost, so it sees shed requests too (they never reach routing: their
    template is found by matching the app's routes, a few regexes, only then).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: list[tuple[re.Pattern[str], str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, _on_shutdown(send, _worker_exits))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        request_id = secrets.token_hex(8)
        header = (b"x-request-id", request_id.encode())
        status, sent = 500, 0  # what the server sends when the app raises before answering

        async def counting(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            self._record(scope, status, sent, perf_counter() - started, request_id)

    def _record(
        self, scope: Scope, status: int, sent: int, elapsed: float, request_id: str
    ) -> None:
        route = route_of(scope) or self._match(scope)
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        REQUESTS.labels(method, route, f"{status // 100}xx").inc()
        DURATION.labels(method, route).observe(elapsed)
        if access_log.isEnabledFor(logging.INFO):
            fields = {
                "request_id": request_id,
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "bytes": sent,
                "admission": "shed" if scope.get(SHED) else "admitted",
                "gate": scope.get(GATE),
            }
            access_log.info("request", extra={"fields": fields})

    def _match(self, scope: Scope) -> str:
        """The template of a request that was not routed (shed, static, or no such path)."""
        if self._templates is None:
            self._templates = [
                (ctx.path_regex, ctx.path_format)
                for ctx in iter_route_contexts(scope["app"].routes)
                if getattr(ctx, "path_regex", None) is not None
            ]
        path = scope["path"]
        return next((fmt for regex, fmt in self._templates if regex.match(path)), UNMATCHED)


def _on_shutdown(send: Send, then: Callable[[], None]) -> Send:
    async def forward(message: Message) -> None:
        if message["type"] == "lifespan.shutdown.complete":
            then()
        await send(message)

    return forward


def _worker_exits() -> None:
    """A worker that stops takes its live gauges (pool size, in use) with it."""
    if os.environ.get(multiproc.ENV):
        prometheus_multiprocess.mark_process_dead(os.getpid())


# --- the connection pool --------------------------------------------------------------------

_watched: weakref.WeakSet[Engine] = weakref.WeakSet()


def watch_pool(engine: Any) -> None:
    """Time checkouts and count connections in use, on a real engine, once.

    SQLAlchemy has no event before a checkout, only after it (``checkout``), so
    the wait is timed around the pool's ``connect()``: what a request waits for
    a connection (a free one, or a new one opened, pre-ping included). The
    wrapper is put back when the engine is disposed (a new pool).
    """
    if not isinstance(engine, Engine):
        return  # the tests' one-connection stand-in has no pool of its own
    _set_pool_size(engine)
    if engine in _watched:
        return
    _watched.add(engine)
    _time_checkouts(engine)
    event.listen(engine, "engine_disposed", _time_checkouts)
    event.listen(engine, "checkout", lambda *_: CHECKED_OUT.inc())
    event.listen(engine, "checkin", lambda *_: CHECKED_OUT.dec())


def _set_pool_size(engine: Engine) -> None:
    size = getattr(engine.pool, "size", None)
    if callable(size):
        POOL_SIZE.set(size())


def _time_checkouts(engine: Engine) -> None:
    _set_pool_size(engine)
    pool = engine.pool
    connect = pool.connect

    def timed_connect() -> Any:
        started = perf_counter()
        try:
            connection = connect()
        except sa_exc.TimeoutError:
            CHECKOUT_TIMEOUTS.inc()
            raise
        CHECKOUT.observe(perf_counter() - started)
        return connection

    pool.connect = timed_connect  # type: ignore[method-assign]


# --- the draw ----------------------------------------------------------------------------------


@contextmanager
def timed_draw() -> Iterator[None]:
    """``with timed_draw(): run_draw(...)``: observed when the block completes, not on error."""
    started = perf_counter()
    yield
    DRAW.observe(perf_counter() - started)


# --- /metrics ----------------------------------------------------------------------------------


def exposition() -> bytes:
    """Every metric in the Prometheus text format: this process's, or all workers'."""
    path = os.environ.get(multiproc.ENV)
    if not path:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry, path=path)
    return generate_latest(registry)


def _is_local(request: Request) -> bool:
    """A loopback client that did not come through a proxy (which would forward the
    caller's address, or hide it: a proxy on this machine looks like loopback)."""
    if any(h in request.headers for h in ("forwarded", "x-forwarded-for", "x-real-ip")):
        return False
    host = request.client.host if request.client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _has_token(request: Request) -> bool:
    token: str = request.app.state.settings.metrics_token
    header = request.headers.get("authorization", "")
    if not token or not header.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


def _local_or_token(request: Request) -> None:
    """Loopback or the metrics token; anyone else gets the 404 of a path that is not there."""
    if not (_has_token(request) or _is_local(request)):
        raise StarletteHTTPException(status_code=404)


router = APIRouter()


@router.get("/metrics", include_in_schema=False, dependencies=[Public, Depends(_local_or_token)])
def metrics_endpoint() -> Response:
    """No account needed; the network check above is the access rule."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
