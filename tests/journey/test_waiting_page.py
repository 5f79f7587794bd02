"""The page a person sees while their live photo waits for the vendor: place, wait, refresh."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.demo import synthetic_portrait
from tests.api_support import TIJUANA
from tests.confirmation.vendor_support import World, drawn_vendor_world

HTML = {"Accept": "text/html"}
COOKIE = "__Host-puerta_session"


@pytest.fixture
def world(app_db: Database, settings: Settings, clock: FrozenClock) -> Iterator[World]:
    yield from drawn_vendor_world(app_db, settings, clock)


def test_a_busy_vendor_sends_the_page_to_its_place_in_line(world: World) -> None:
    assert world.confirm(0).status_code == 200  # takes the slot of this second
    rid = world.rids[1]
    browser = world.api.client
    browser.cookies.set(COOKIE, world.tokens[1])
    form = browser.get(f"/registrations/{rid}/confirm", headers=HTML)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    sent = browser.post(
        f"/registrations/{rid}/confirm",
        data={**{k: str(v) for k, v in TIJUANA.items()}, "csrf_token": csrf},
        files={"live_photo": ("live.png", synthetic_portrait(606), "image/png")},
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:400]
    assert sent.headers["location"] == f"/registrations/{rid}/confirm/waiting"

    waiting = browser.get(sent.headers["location"], headers=HTML)
    assert waiting.status_code == 200
    assert '<meta http-equiv="refresh"' in waiting.text
    assert re.search(r'class="place">1<', waiting.text)
    assert "Less than a minute" in waiting.text
    assert "Your seats stay held" in waiting.text
    again = browser.get(f"/registrations/{rid}/confirm", headers=HTML, follow_redirects=False)
    assert again.headers["location"] == f"/registrations/{rid}/confirm/waiting"

    assert world.drain().booked == 1
    done = browser.get(f"/registrations/{rid}/confirm/waiting", follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, f"/registrations/{rid}")
    assert "Your appointment is confirmed." in browser.get(f"/registrations/{rid}").text
