"""A fake liveness vendor: a real HTTP server on loopback that enforces the same contract.

The tests and the benchmark start it on a free port and point the client at it;
``puerta liveness fake-vendor`` runs it for a demo. It answers as the client expects
the vendor to (``vendor.py``): ``429`` with ``Retry-After`` when a scan arrives sooner
than ``1/rate`` after the last one it accepted (a bucket of one), ``403
quota_exhausted`` once ``quota`` scans were accepted, ``401`` without the key, ``400``
for an image that does not decode, ``503`` for an injected failure (``failure_rate``,
or :meth:`FakeVendor.fail_next`), and ``200 {"live": ...}`` after ``latency`` seconds.

It counts everything it receives, so that a test can assert the client never went
past the contract: ``min_gap`` is the shortest time between two accepted scans (the
contract is kept when it is at least ``1/rate``), ``rate_limited`` the 429s it sent.
``now`` and ``sleep`` are injected: the tests hand it their frozen clock, the
benchmark a scaled one.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from puerta.errors import PuertaError
from puerta.registration.photos import check_photo

EPSILON = 1e-6  # float noise, not tolerance: a gap shorter than 1/rate by more is a 429


@dataclass
class Counts:
    received: int = 0
    accepted: int = 0  # passed the rate and the quota (injected failures included)
    verdicts: int = 0
    rate_limited: int = 0
    quota_refused: int = 0
    failed: int = 0
    unauthorized: int = 0
    unreadable: int = 0
    min_gap: float | None = None  # seconds between two accepted scans, the shortest
    accepted_at: list[float] = field(default_factory=list)


class FakeVendor:
    def __init__(
        self,
        *,
        rate: float = 1.0,
        quota: int = 400_000,
        latency: float = 0.0,
        failure_rate: float = 0.0,
        api_key: str = "fake-vendor-key",
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.rate, self.quota, self.latency = rate, quota, latency
        self.failure_rate, self.api_key = failure_rate, api_key
        self.now, self.sleep = now, sleep
        self.rng = random.Random(seed)
        self.counts = Counts()
        self.not_live: set[str] = set()
        self._fail_next = 0
        self._last: float | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- running ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeVendor:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeVendor:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- steering it from a test -----------------------------------------------------

    def fail_next(self, n: int) -> None:
        """The next ``n`` scans that pass the rate and quota fail with 503."""
        with self._lock:
            self._fail_next = n

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    @property
    def peak_rate(self) -> float:
        """Accepted scans a second at the closest two (0 before two were accepted)."""
        gap = self.counts.min_gap
        return 0.0 if not gap else 1.0 / gap

    @property
    def kept_to_contract(self) -> bool:
        gap = self.counts.min_gap
        return gap is None or gap >= self.interval - EPSILON

    # --- the contract ----------------------------------------------------------------

    def answer(self, body: bytes, authorization: str | None) -> tuple[int, dict[str, str], Any]:
        """Status, headers and JSON body for one scan (what the handler sends)."""
        with self._lock:
            c = self.counts
            c.received += 1
            if authorization != f"Bearer {self.api_key}":
                c.unauthorized += 1
                return 401, {}, {"error": "unauthorized"}
            if c.accepted >= self.quota:
                c.quota_refused += 1
                return 403, {}, {"error": "quota_exhausted"}
            now = self.now()
            if self._last is not None and now - self._last < self.interval - EPSILON:
                c.rate_limited += 1
                wait = self.interval - (now - self._last)
                return 429, {"Retry-After": f"{wait:.3f}"}, {"error": "rate_limited"}
            if self._last is not None:
                gap = now - self._last
                c.min_gap = gap if c.min_gap is None else min(c.min_gap, gap)
            self._last = now
            c.accepted += 1
            c.accepted_at.append(now)
            fail = self._fail_next > 0 or self.rng.random() < self.failure_rate
            if self._fail_next > 0:
                self._fail_next -= 1
        if self.latency:
            self.sleep(self.latency)
        if fail:
            with self._lock:
                self.counts.failed += 1
            return 503, {}, {"error": "unavailable"}
        try:
            check_photo(body, max_bytes=20_000_000, field="image")
        except PuertaError:
            with self._lock:
                self.counts.unreadable += 1
            return 400, {}, {"error": "unreadable_image"}
        live = hashlib.sha256(body).hexdigest() not in self.not_live
        with self._lock:
            self.counts.verdicts += 1
        return 200, {}, {"live": live, "score": 0.97 if live else 0.08}


def _handler(vendor: FakeVendor) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path != "/v1/liveness":
                self._send(404, {}, {"error": "not_found"})
                return
            status, headers, payload = vendor.answer(body, self.headers.get("Authorization"))
            self._send(status, headers, payload)

        def _send(self, status: int, headers: dict[str, str], payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler
