"""The liveness worker: drains the queue at the contract's rate, in a thread of its own.

``puerta liveness drain`` runs it in the foreground; ``puerta serve`` with the scheduler
on and ``liveness_provider=vendor`` runs one in every worker process. Several are safe
on one store: each scan is claimed by one worker (``queue.claim_next``), and every send
is granted by the shared budget, so more workers never means more than the contract.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import Gauge

from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import queue
from puerta.confirmation.liveness import LivenessProvider, Saturated
from puerta.db import Database

log = logging.getLogger("puerta.liveness")

QUEUED = Gauge(
    "puerta_liveness_queue_waiting",
    "Live photos waiting in the liveness queue (read by a worker after each pass).",
    multiprocess_mode="mostrecent",
)
QUOTA_RECHECK_SECONDS = 60.0  # a spent quota is looked at again once a minute (renewed?)


@dataclass
class Totals:
    booked: int = 0
    refused: int = 0
    passes: int = 0
    paused: dict[str, int] = field(default_factory=dict)


class LivenessWorker:
    def __init__(
        self,
        db: Database,
        *,
        provider: LivenessProvider,
        settings: Settings,
        clock: Clock,
        wait: Callable[[threading.Event, float], None] | None = None,
    ) -> None:
        self.db, self.provider, self.settings, self.clock = db, provider, settings, clock
        self.stop = threading.Event()
        self._wait = wait or (lambda stop, seconds: stop.wait(seconds))
        self.totals = Totals()
        self._thread: threading.Thread | None = None

    def pause_for(self, paused: Saturated) -> float:
        """Seconds to wait before the next pass, after the vendor said "not now"."""
        if paused.reason == "quota":
            return QUOTA_RECHECK_SECONDS
        if paused.until is not None:
            return max(0.05, (paused.until - self.clock.now()).total_seconds())
        return self.settings.vendor_backoff_seconds

    def run(self, *, max_scans: int | None = None, once: bool = False) -> Totals:
        """Pass after pass until stopped (or ``max_scans`` resolved, or one pass if ``once``)."""
        while not self.stop.is_set():
            left = (
                None if max_scans is None else max_scans - self.totals.booked - self.totals.refused
            )
            if left is not None and left <= 0:
                break
            report = queue.drain(
                self.db,
                provider=self.provider,
                settings=self.settings,
                clock=self.clock,
                max_scans=left,
            )
            self.totals.booked += report.booked
            self.totals.refused += report.refused
            self.totals.passes += 1
            with self.db.read_only() as session:
                QUEUED.set(queue.waiting_count(session))
            if once:
                break
            if report.paused is not None:
                reason = report.paused.reason
                if reason == "stopping":
                    break
                self.totals.paused[reason] = self.totals.paused.get(reason, 0) + 1
                self._wait(self.stop, self.pause_for(report.paused))
            elif report.resolved == 0:
                self._wait(self.stop, self.settings.liveness_worker_idle_seconds)
        return self.totals

    def _run_logged(self) -> None:
        try:
            self.run()
        except Exception:
            log.exception("liveness worker stopped by an error")

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run_logged, name="liveness-worker", daemon=True
        )
        self._thread.start()
        log.info("liveness worker started")

    def shutdown(self, timeout: float = 5.0) -> None:
        self.stop.set()
        close = getattr(self.provider, "close", None)
        if close is not None:
            close()
        if self._thread is not None:
            self._thread.join(timeout)
