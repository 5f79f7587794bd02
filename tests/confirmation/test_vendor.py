"""The vendor's client against the fake vendor: the contract's rate, quota, retries, breaker."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from puerta.clock import FrozenClock, SystemClock
from puerta.config import Settings
from puerta.confirmation.budget import Outcome
from puerta.confirmation.fake_vendor import FakeVendor
from puerta.confirmation.liveness import Saturated
from puerta.db import Database
from puerta.demo import synthetic_portrait
from tests.confirmation.vendor_support import KEY, client, frozen_vendor, vendor_settings


def never(_digest: str) -> bool:
    return False


def test_two_clients_sharing_the_store_keep_to_the_rate(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    with frozen_vendor(clock, rate=1.0) as fake:
        s = vendor_settings(settings, fake.url)
        first, second = client(s, db, clock), client(s, db, clock)
        start = clock.now()
        for n in range(10):
            provider = first if n % 2 else second
            result = provider.check(synthetic_portrait(500 + n), seen_before=never)
            assert result.passed
        assert fake.counts.accepted == 10
        assert fake.counts.rate_limited == 0
        assert fake.kept_to_contract, fake.counts.min_gap
        assert clock.now() - start >= timedelta(seconds=9)


def test_a_request_that_finds_no_slot_is_told_so_without_calling(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    with frozen_vendor(clock, rate=1.0) as fake:
        provider = client(vendor_settings(settings, fake.url), db, clock)
        assert provider.check(synthetic_portrait(1), seen_before=never, wait=False).passed
        with pytest.raises(Saturated) as saturated:
            provider.check(synthetic_portrait(2), seen_before=never, wait=False)
        assert saturated.value.reason == "rate"
        assert saturated.value.until == clock.now() + timedelta(seconds=1)
        assert fake.counts.received == 1


def test_a_photo_that_cannot_pass_spends_no_scan(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    with frozen_vendor(clock) as fake:
        provider = client(vendor_settings(settings, fake.url), db, clock)
        assert not provider.check(b"not an image", seen_before=never).passed
        replay = provider.check(synthetic_portrait(3), seen_before=lambda _d: True)
        assert replay.reason_code == "liveness.replayed"
        assert fake.counts.received == 0


def test_the_quota_is_never_passed(db: Database, settings: Settings, clock: FrozenClock) -> None:
    with frozen_vendor(clock) as fake:
        provider = client(vendor_settings(settings, fake.url, vendor_quota=3), db, clock)
        for n in range(3):
            assert provider.check(synthetic_portrait(10 + n), seen_before=never).passed
        with pytest.raises(Saturated) as saturated:
            provider.check(synthetic_portrait(20), seen_before=never)
        assert saturated.value.reason == "quota"
        assert fake.counts.received == 3


def test_the_vendors_own_quota_refusal_stops_every_client(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    with frozen_vendor(clock, quota=2) as fake:
        s = vendor_settings(settings, fake.url, vendor_quota=100)
        provider = client(s, db, clock)
        for n in range(2):
            assert provider.check(synthetic_portrait(30 + n), seen_before=never).passed
        with pytest.raises(Saturated, match="quota"):
            provider.check(synthetic_portrait(40), seen_before=never)
        assert fake.counts.quota_refused == 1
        with pytest.raises(Saturated, match="quota"):  # another worker: no call at all
            client(s, db, clock).check(synthetic_portrait(41), seen_before=never)
        assert fake.counts.received == 3
        assert provider.budget.snapshot().remaining == 0


def test_5xx_is_retried_with_backoff(db: Database, settings: Settings, clock: FrozenClock) -> None:
    with frozen_vendor(clock) as fake:
        s = vendor_settings(settings, fake.url, vendor_max_attempts=4, vendor_breaker_failures=5)
        provider = client(s, db, clock)
        fake.fail_next(2)
        assert provider.check(synthetic_portrait(50), seen_before=never).passed
        assert (fake.counts.failed, fake.counts.verdicts) == (2, 1)
        assert fake.kept_to_contract
        assert provider.budget.snapshot().state.failures == 0  # the success closed the count


def test_timeouts_are_failures_and_retried(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    # A real latency (the vendor thread sleeps) longer than the client's time-out.
    with FakeVendor(api_key=KEY, latency=0.6, now=lambda: clock.now().timestamp()) as fake:
        s = vendor_settings(settings, fake.url, vendor_timeout_seconds=0.2, vendor_max_attempts=2)
        provider = client(s, db, clock)
        with pytest.raises(Saturated, match="failing"):
            provider.check(synthetic_portrait(55), seen_before=never)
        assert fake.counts.accepted == 2
        assert provider.budget.snapshot().state.failures == 2


def test_the_breaker_opens_then_a_probe_closes_it(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    with frozen_vendor(clock) as fake:
        s = vendor_settings(
            settings,
            fake.url,
            vendor_max_attempts=3,
            vendor_breaker_failures=3,
            vendor_breaker_open_seconds=30,
        )
        provider = client(s, db, clock)
        fake.fail_next(100)
        with pytest.raises(Saturated) as opened:
            provider.check(synthetic_portrait(60), seen_before=never)
        assert opened.value.reason == "open"
        assert fake.counts.received == 3
        with pytest.raises(Saturated, match="open"):  # open: nobody calls
            client(s, db, clock).check(synthetic_portrait(61), seen_before=never)
        assert fake.counts.received == 3

        clock.advance(seconds=31)  # half-open: one probe, which fails: open again
        with pytest.raises(Saturated, match="open"):
            provider.check(synthetic_portrait(62), seen_before=never, wait=False)
        assert fake.counts.received == 4

        clock.advance(seconds=31)
        fake.fail_next(0)
        assert provider.check(synthetic_portrait(63), seen_before=never).passed  # the probe
        assert provider.budget.snapshot().state.open_until is None
        assert provider.check(synthetic_portrait(64), seen_before=never).passed  # closed
        assert fake.counts.received == 6


def test_a_429_slows_every_client_down(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    # A client told the contract is twice what it is: the vendor's 429s pace it.
    with frozen_vendor(clock, rate=1.0) as fake:
        s = vendor_settings(settings, fake.url, vendor_rate_per_second=2.0)
        provider = client(s, db, clock)
        for n in range(4):
            assert provider.check(synthetic_portrait(70 + n), seen_before=never).passed
        assert fake.kept_to_contract
        assert fake.counts.rate_limited >= 1
        assert provider.budget.report(Outcome.SUCCESS).failures == 0


def test_the_vendor_refuses_a_wrong_key_as_a_failure(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    with frozen_vendor(clock) as fake:
        s = vendor_settings(settings, fake.url, vendor_max_attempts=1).model_copy(
            update={"vendor_api_key": "wrong"}
        )
        with pytest.raises(Saturated, match="failing"):
            client(s, db, clock).check(synthetic_portrait(80), seen_before=never)
        assert fake.counts.unauthorized == 1


@pytest.mark.committing  # two threads, two connections, real time: the store is the arbiter
def test_two_clients_in_threads_in_real_time_keep_to_the_rate(
    db: Database, settings: Settings
) -> None:
    rate = 20.0  # two seconds of real time for 20 scans, at half the rate
    with FakeVendor(api_key=KEY, rate=rate) as fake:
        # The fake's time is the monotonic clock, the client's the system clock: the
        # margin covers what the thread hops and the loopback add between the two.
        s = vendor_settings(settings, fake.url, vendor_rate_per_second=rate)
        s = s.model_copy(update={"vendor_pace_margin": 0.5})
        clients = [VendorClient(s, db) for _ in range(2)]
        failures: list[BaseException] = []

        def run(c: VendorClient, seeds: range) -> None:
            try:
                for seed in seeds:
                    assert c.provider.check(synthetic_portrait(seed), seen_before=never).passed
            except BaseException as exc:  # the assertion goes to the main thread
                failures.append(exc)

        threads = [
            threading.Thread(target=run, args=(c, range(900 + 10 * i, 910 + 10 * i)))
            for i, c in enumerate(clients)
        ]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert not failures, failures
        assert fake.counts.accepted == 20
        # Two unpaced clients would send at twice the rate: about one scan in two a 429.
        # Paced by the shared budget, a rare 429 is left to thread jitter on a loaded
        # machine (a send late after its grant, the next one on time); it is retried.
        assert fake.counts.rate_limited <= 2, fake.counts.rate_limited
        assert fake.kept_to_contract, fake.counts.min_gap
        assert time.perf_counter() - began >= 19 / (rate * 0.5) * 0.95


class VendorClient:
    def __init__(self, settings: Settings, db: Database) -> None:
        from puerta.confirmation.vendor import VendorLivenessProvider

        self.provider = VendorLivenessProvider(settings, db=db, clock=SystemClock())
