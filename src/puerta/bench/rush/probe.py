"""A slow, steady client beside wrk: what an admitted request waits, seen from outside.

Why: wrk keeps one latency histogram for every answer, refusals included, so
under overload it can only bound the admitted requests' p99 (and the bound is
loose when refusals are slow, as a shed request waits its turn in the queue
first). This probe's ``clients`` threads each send one authenticated ``GET
.../status`` every ``interval`` seconds on a connection of their own, in the
same queue as wrk's requests, and time each answer; the p99 of its 2xx answers
is the admitted p99 a client sees, end to end (the kernel's queues and the
event loop's included). Bounded: it stops when told, and each request times
out.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Probe:
    base: str
    targets: list[tuple[str, str]]  # (registration id, token)
    interval: float = 0.05
    timeout: float = 3.0
    clients: int = 4
    samples: list[tuple[int, float]] = field(default_factory=list)  # (status or 0, seconds)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for n in range(self.clients):
            thread = threading.Thread(target=self._run, args=(n,), name=f"probe-{n}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 1)

    def _run(self, n: int) -> None:
        where = urlsplit(self.base)
        conn: http.client.HTTPConnection | None = None
        i = n
        while not self._stop.is_set():
            rid, token = self.targets[i % len(self.targets)]
            i += self.clients
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(
                        where.hostname, where.port, timeout=self.timeout
                    )
                conn.request(
                    "GET",
                    f"/api/v1/registrations/{rid}/status",
                    headers={"Authorization": f"Bearer {token}"},
                )
                response = conn.getresponse()
                response.read()
                self.samples.append((response.status, time.monotonic() - t0))
            except (OSError, http.client.HTTPException):
                self.samples.append((0, time.monotonic() - t0))
                if conn is not None:
                    conn.close()
                conn = None
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - t0)))
        if conn is not None:
            conn.close()

    def summary(self) -> dict[str, Any]:
        ok = sorted(s for status, s in self.samples if 200 <= status < 300)
        statuses: dict[str, int] = {}
        for status, _ in self.samples:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        return {
            "sent": len(self.samples),
            "statuses": statuses,
            "ok": len(ok),
            "p50_ms": round(percentile(ok, 50) * 1000, 1) if ok else None,
            "p99_ms": round(percentile(ok, 99) * 1000, 1) if ok else None,
        }


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of values already sorted (q in 0..100)."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]
