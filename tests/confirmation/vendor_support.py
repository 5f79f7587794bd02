"""The fake vendor and the vendor's client on the tests' frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation import queue
from puerta.confirmation.fake_vendor import FakeVendor
from puerta.confirmation.vendor import VendorLivenessProvider
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.draw import service as draw_service
from puerta.draw.models import Selection
from puerta.web.app import create_app
from tests.api_support import TIJUANA, Api, portrait_for, proving, traveler

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


POOL_DAY = date(2026, 3, 4)


@dataclass
class World:
    api: Api
    fake: FakeVendor
    provider: VendorLivenessProvider
    settings: Settings
    tokens: list[str]
    rids: list[str]

    def confirm(self, n: int, seed: int | None = None) -> Any:
        return self.api.client.post(
            f"/api/v1/registrations/{self.rids[n]}/selection/confirm",
            files={"live_photo": ("live.png", synthetic_portrait(seed or 800 + n), "image/png")},
            data={k: str(v) for k, v in TIJUANA.items()},
            headers=self.api.auth(self.tokens[n]),
        )

    def scan(self, n: int) -> Any:
        return self.api.client.get(
            f"/api/v1/registrations/{self.rids[n]}/selection/scan",
            headers=self.api.auth(self.tokens[n]),
        )

    def deadline(self, n: int) -> datetime:
        with self.api.db.read_only() as s:
            selection = s.scalar(select(Selection).where(Selection.registration_id == self.rids[n]))
            assert selection is not None
            return selection.deadline

    def drain(self) -> queue.DrainReport:
        return queue.drain(
            self.api.db, provider=self.provider, settings=self.settings, clock=self.api.clock
        )


def drawn_vendor_world(
    app_db: Database, settings: Settings, clock: FrozenClock, **over: Any
) -> Iterator[World]:
    contract = over.pop("fake", {})
    with frozen_vendor(clock, **contract) as fake:
        s = vendor_settings(settings, fake.url, **over)
        provider = client(s, app_db, clock)
        app = create_app(s, db=app_db, clock=clock, liveness=provider)
        with TestClient(app, base_url="https://testserver") as c:
            api = Api(proving(c), app_db, clock)
            tokens, rids = [], []
            for n in range(3):
                token = api.sign_up_verified(f"person{n}@example.org")
                rid = _registration(api, token, n)
                assert api.request(token, rid, "SYS").status_code == 201
                tokens.append(token)
                rids.append(rid)
            clock.advance(hours=1, minutes=5)
            with app_db.session() as session:
                draw_service.run_draw(session, pool_date=POOL_DAY, settings=s, clock=clock)
            yield World(api, fake, provider, s, tokens, rids)


def _registration(api: Api, token: str, n: int) -> str:
    """One traveler, a different person each (the draw counts persons, not registrations)."""
    body = {"travelers": [traveler(given_names=f"Person {n}", date_of_birth=f"199{n}-02-03")]}
    r = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    api.photo(token, rid, 0, portrait_for(rid, 0))
    return rid
