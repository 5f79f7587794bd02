"""create_app(): the one place the web application is assembled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from puerta import __version__
from puerta import clock as clocks
from puerta.clock import Clock, SystemClock
from puerta.config import Settings, get_settings
from puerta.confirmation.liveness import LivenessProvider
from puerta.confirmation.vendor import VendorLivenessProvider, provider_for
from puerta.confirmation.worker import LivenessWorker
from puerta.db import Database
from puerta.faces.matcher import DlibMatcher, FaceMatcher
from puerta.limits.store import LimitStore, make_store
from puerta.registration.photos import FileSystemPhotoStore, PhotoStore
from puerta.statements import PgStatements, Statements, ThreadedStatements
from puerta.web import api_docs, metrics, openapi, problems, scheduler
from puerta.web.admission import Admission
from puerta.web.deps import Public
from puerta.web.routers import feature_routers

HERE = Path(__file__).parent
log = logging.getLogger("puerta.web")


class ClockInEffect:
    """Each request runs with the app's clock in effect, so that the rules that run
    inside FastAPI's body parsing (the date of birth's "today") read it too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with clocks.in_effect(scope["app"].state.clock):
            await self.app(scope, receive, send)


class SecurityHeaders:
    """Pure ASGI (no ``BaseHTTPMiddleware``, whose task and stream per request cost the
    hot path more than its own work): the headers every response carries."""

    HEADERS: tuple[tuple[bytes, bytes], ...] = (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class PageCompression:
    """Gzip for what a browser fetches (pages, styles, scripts), not for the API.

    A registration form names every country three times, in the reader's language:
    70 KB of HTML, 10 KB gzipped, which a cheap phone on a weak network feels. The
    API's answers on the hot path are a few hundred bytes: they skip the middleware
    altogether, so the rush pays nothing for it."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1000) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/api/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    photos: PhotoStore | None = None,
    liveness: LivenessProvider | None = None,
    statements: Statements | None = None,
    limits: LimitStore | None = None,
    faces: FaceMatcher | None = None,
) -> FastAPI:
    """The app. A ``db`` handed in also runs the hot path's statements (in a thread, so
    that a test's savepoint sees them); built here on PostgreSQL, they get an async pool."""
    settings = settings or get_settings()
    if db is None:
        db = Database(
            settings.effective_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )
        if statements is None and db.is_postgres:
            statements = PgStatements(
                db.url,
                min_size=min(2, settings.db_hot_pool_size),
                max_size=settings.db_hot_pool_size,
                timeout=settings.db_pool_timeout,
            )
    hot = statements or ThreadedStatements(db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Every admitted request can have a worker thread at once (see web/admission.py).
        limiter = anyio.to_thread.current_default_thread_limiter()
        needed = settings.admission_limit + settings.admission_reserved + 8
        limiter.total_tokens = max(limiter.total_tokens, needed)
        task = None
        worker = None
        if settings.scheduler_enabled:
            task = asyncio.create_task(scheduler.run_forever(app))
            if isinstance(app.state.liveness, VendorLivenessProvider):
                # Every worker process drains the liveness queue: the shared budget
                # keeps them all within the contract (confirmation/worker.py).
                worker = LivenessWorker(
                    db, provider=app.state.liveness, settings=settings, clock=app.state.clock
                )
                worker.start()
        yield
        if worker is not None:
            await asyncio.to_thread(worker.shutdown)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await hot.close()

    app = FastAPI(
        title="Puerta",
        version=__version__,
        summary="Advance submission and fair appointment scheduling at land ports of entry.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.statements = hot
    app.state.clock = clock or SystemClock()
    app.state.photos = photos or FileSystemPhotoStore(settings.photo_dir)
    app.state.liveness = liveness or provider_for(settings, db=db, clock=app.state.clock)
    app.state.limits = limits or make_store(settings)
    # The face model loads on first use, in the scheduler's job (never in a request).
    app.state.faces = faces or DlibMatcher()
    app.add_middleware(ClockInEffect)
    problems.install(app)

    # First of all routes: load balancers ask it most often, and it should cost least.
    @app.get("/healthz", include_in_schema=False, dependencies=[Public])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in feature_routers():
        app.include_router(router)
    app.include_router(metrics.router)  # /metrics: loopback or metrics_token only
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    api_docs.install(app)
    openapi.install(app)  # every operation's errors, as problem+json

    app.add_middleware(PageCompression)
    app.add_middleware(SecurityHeaders)

    # Outermost (added last): a shed request costs no thread, connection or template.
    app.add_middleware(
        Admission,
        limit=settings.admission_limit,
        reserved=settings.admission_reserved,
        queue=settings.admission_queue,
        wait=settings.admission_wait_seconds,
        retry_after=settings.retry_after_seconds,
    )
    # Outside the gate, so that shed requests are counted, timed and logged too.
    app.add_middleware(metrics.RequestMetrics)
    metrics.watch_pool(db.engine)
    return app
