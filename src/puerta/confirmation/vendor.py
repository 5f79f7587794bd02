"""The liveness vendor's HTTP client, behind ``LivenessProvider``, keeping to the contract.

The contract (``docs/operations.md``, "The liveness vendor"): ``POST {vendor_url}/v1/liveness``
with the image as the body and ``Authorization: Bearer {vendor_api_key}``; ``200
{"live": bool}`` is a verdict, ``429`` (with ``Retry-After``) is over the rate, ``403
{"error": "quota_exhausted"}`` is past the total quota, ``400`` is an image the vendor
cannot read, and a 5xx or a time-out is the vendor failing.

Before any scan is spent the photo is checked here as the local provider checks it
(decodes, large enough, not a replay): a photo that cannot pass costs no scan. Every
send is granted by the shared :class:`~puerta.confirmation.budget.Budget` first, so the
rate and the quota hold across every worker and machine; tries back off
exponentially with full jitter; the breaker in the same row stops every worker from
calling a vendor that keeps failing.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from collections.abc import Callable
from datetime import timedelta

import httpx
from prometheus_client import Counter, Gauge

from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation.budget import Budget, Contract, Decision, Outcome, Verdict
from puerta.confirmation.liveness import (
    ACCEPTED,
    NOT_LIVE,
    REPLAYED,
    LivenessProvider,
    LivenessResult,
    LocalLivenessProvider,
    Saturated,
)
from puerta.db import Database
from puerta.errors import PuertaError
from puerta.registration.photos import check_photo

log = logging.getLogger("puerta.liveness")

CALLS = Counter(
    "puerta_liveness_vendor_calls",
    "Calls to the liveness vendor, by outcome (verdict, rate_limited, failure, "
    "quota_spent, refused).",
    ["outcome"],
)
QUOTA_REMAINING = Gauge(
    "puerta_liveness_vendor_quota_remaining",
    "Scans left of the vendor contract's total quota (the store's count).",
    multiprocess_mode="mostrecent",
)
BREAKER_OPEN = Gauge(
    "puerta_liveness_vendor_breaker_open",
    "1 while the circuit breaker stops calls to the liveness vendor.",
    multiprocess_mode="mostrecent",
)
QUOTA_ALERTS = Counter(
    "puerta_liveness_vendor_quota_exhausted",
    "Times a scan found the vendor's quota spent (an operator must renew the contract).",
)
QUOTA_WARNING_SHARE = 0.1  # warn when less than a tenth of the quota is left


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential back-off with full jitter (AWS's "Exponential Backoff and Jitter").

    Example:
        >>> rng = random.Random(1)
        >>> all(0 <= backoff(n, 0.5, 30, rng) <= min(30, 0.5 * 2 ** (n - 1)) for n in range(1, 9))
        True
    """
    return rng.uniform(0.0, min(cap, base * 2 ** (attempt - 1)))


def retry_after_of(response: httpx.Response) -> timedelta | None:
    """The vendor's ``Retry-After`` in seconds (a number; an HTTP date is not expected)."""
    value = response.headers.get("Retry-After")
    try:
        return timedelta(seconds=max(0.0, float(value))) if value else None
    except ValueError:
        return None


class VendorLivenessProvider:
    """The contracted vendor. ``sleep`` and ``clock`` are injected, so that the tests
    move a frozen clock instead of waiting and the benchmark can scale time."""

    name = "vendor"

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database,
        clock: Clock,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.budget = Budget(db, Contract.of(settings), clock)
        self.max_bytes = settings.photo_max_bytes
        self.http = client or httpx.Client(
            base_url=settings.vendor_url.rstrip("/"),
            timeout=httpx.Timeout(
                settings.vendor_timeout_seconds, connect=min(3.0, settings.vendor_timeout_seconds)
            ),
            headers={"Authorization": f"Bearer {settings.vendor_api_key}"},
        )
        self._stopping = threading.Event()
        self._sleep = sleep or self._stopping.wait
        self.rng = rng or random.Random()

    @property
    def contract(self) -> Contract:
        return self.budget.contract

    def close(self) -> None:
        """Stop: a worker waiting for a slot or a back-off gives up at once."""
        self._stopping.set()
        self.http.close()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)
        if self._stopping.is_set():
            raise Saturated("stopping")

    def precheck(
        self, image: bytes, *, seen_before: Callable[[str], bool]
    ) -> LivenessResult | None:
        """The local checks that spend no scan: a failed result, or None to go on."""
        digest = hashlib.sha256(image).hexdigest()
        try:
            checked = check_photo(image, max_bytes=self.max_bytes, field="live_photo")
        except PuertaError as exc:
            return LivenessResult(False, exc, digest)
        if seen_before(checked.sha256):
            return LivenessResult(False, REPLAYED, digest)
        return None

    def check(
        self, image: bytes, *, seen_before: Callable[[str], bool], wait: bool = True
    ) -> LivenessResult:
        refused = self.precheck(image, seen_before=seen_before)
        if refused is not None:
            return refused
        live = self._scan(image, wait=wait)
        digest = hashlib.sha256(image).hexdigest()
        return LivenessResult(live, ACCEPTED if live else NOT_LIVE, digest)

    def _granted(self, wait: bool) -> Decision:
        """A slot of the contract: waited for (a worker), or now or never (a request)."""
        while True:
            decision = self.budget.take()
            if decision.granted:
                return decision
            if decision.verdict is Verdict.QUOTA:
                self._alert_quota()
                raise Saturated("quota")
            if decision.verdict is Verdict.OPEN:
                BREAKER_OPEN.set(1)
            if not wait or decision.verdict is Verdict.OPEN:
                raise Saturated(decision.verdict.value, decision.at)
            assert decision.at is not None
            self.sleep((decision.at - self.budget.clock.now()).total_seconds())

    def _scan(self, image: bytes, *, wait: bool) -> bool:
        """One scan, with up to ``vendor_max_attempts`` tries, each granted by the budget."""
        attempts = self.settings.vendor_max_attempts if wait else 1
        for attempt in range(1, attempts + 1):
            self._granted(wait)
            outcome, retry_after, live = self._send(image)
            state = self.budget.report(outcome, retry_after)
            BREAKER_OPEN.set(1 if state.open_until is not None else 0)
            QUOTA_REMAINING.set(max(0, self.contract.quota - state.used))
            if outcome is Outcome.SUCCESS:
                self._warn_low(self.contract.quota - state.used)
                return bool(live)
            if outcome is Outcome.QUOTA_SPENT:
                self._alert_quota()
                raise Saturated("quota")
            if attempt == attempts:
                break
            self.sleep(
                backoff(
                    attempt,
                    self.settings.vendor_backoff_seconds,
                    self.settings.vendor_backoff_max_seconds,
                    self.rng,
                )
            )
        snapshot = self.budget.snapshot()
        if snapshot.state.open_until is not None:
            raise Saturated("open", snapshot.state.open_until)
        raise Saturated("failing")

    def _send(self, image: bytes) -> tuple[Outcome, timedelta | None, bool | None]:
        """One HTTP call: its outcome for the budget, the vendor's wait, the verdict."""
        try:
            response = self.http.post(
                "/v1/liveness", content=image, headers={"Content-Type": "application/octet-stream"}
            )
        except httpx.TransportError as exc:  # time-outs, refused or dropped connections
            CALLS.labels("failure").inc()
            log.warning("liveness vendor unreachable: %s", type(exc).__name__)
            return Outcome.FAILURE, None, None
        status = response.status_code
        if status == 200:
            try:
                live = bool(response.json()["live"])
            except (ValueError, KeyError, TypeError):
                CALLS.labels("failure").inc()
                log.warning("liveness vendor answered 200 without a verdict")
                return Outcome.FAILURE, None, None
            CALLS.labels("verdict").inc()
            return Outcome.SUCCESS, None, live
        if status == 400:  # the vendor cannot read the image: a verdict, not a failure
            CALLS.labels("verdict").inc()
            return Outcome.SUCCESS, None, False
        if status == 429:
            CALLS.labels("rate_limited").inc()
            log.warning("liveness vendor answered 429: over the contract's rate")
            return Outcome.RATE_LIMITED, retry_after_of(response), None
        if status == 403 and _error_of(response) == "quota_exhausted":
            CALLS.labels("quota_spent").inc()
            return Outcome.QUOTA_SPENT, None, None
        if status in (401, 403):  # a wrong key: a failure, so the breaker stops the calls
            CALLS.labels("refused").inc()
            log.error("liveness vendor refused the key (%s): check vendor_api_key", status)
            return Outcome.FAILURE, None, None
        CALLS.labels("failure").inc()
        log.warning("liveness vendor failed with %s", status)
        return Outcome.FAILURE, None, None

    def _alert_quota(self) -> None:
        QUOTA_ALERTS.inc()
        QUOTA_REMAINING.set(0)
        log.error(
            "liveness vendor quota exhausted (%s scans): scans wait in the queue with their "
            "seats held; renew the contract and raise vendor_quota",
            self.contract.quota,
        )

    def _warn_low(self, remaining: int) -> None:
        if remaining < self.contract.quota * QUOTA_WARNING_SHARE and remaining % 100 == 0:
            log.warning("liveness vendor quota low: %s scans left", remaining)


def _error_of(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def provider_for(settings: Settings, *, db: Database, clock: Clock) -> LivenessProvider:
    """The configured provider: the local checks, or the vendor's client."""
    if settings.liveness_provider == "vendor":
        if not settings.vendor_url:
            raise ValueError("liveness_provider=vendor needs vendor_url")
        return VendorLivenessProvider(settings, db=db, clock=clock)
    return LocalLivenessProvider(settings.photo_max_bytes)
