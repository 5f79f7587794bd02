"""The fake vendor and the vendor's client on the tests' frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation.fake_vendor import FakeVendor
from puerta.confirmation.vendor import VendorLivenessProvider
from puerta.db import Database

KEY = "test-vendor-key"


def vendor_settings(settings: Settings, url: str, **overrides: Any) -> Settings:
    values = {
        "liveness_provider": "vendor",
        "vendor_url": url,
        "vendor_api_key": KEY,
        "vendor_pace_margin": 0.0,
        "vendor_timeout_seconds": 2.0,
        **overrides,
    }
    return settings.model_copy(update=values)


@contextmanager
def frozen_vendor(clock: FrozenClock, **contract: Any) -> Iterator[FakeVendor]:
    """A fake vendor whose contract time is the frozen clock's (its latency moves it)."""
    fake = FakeVendor(
        api_key=KEY,
        now=lambda: clock.now().timestamp(),
        sleep=lambda s: clock.advance(seconds=s),
        **contract,
    )
    with fake:
        yield fake


def client(settings: Settings, db: Database, clock: FrozenClock) -> VendorLivenessProvider:
    """A client whose waits move the frozen clock instead of sleeping."""
    return VendorLivenessProvider(
        settings, db=db, clock=clock, sleep=lambda s: clock.advance(seconds=s)
    )
