"""An applicant makes an account and signs in, on a phone, in Spanish, Haitian Creole and
Arabic: every page in the language, right to left for Arabic, accessible, light."""

from __future__ import annotations

import re
import secrets
import sqlite3
import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Site
from tests.browser.support import Watch, check_axe, check_tofu, check_weight, shoot

LANGUAGES = ["es", "ht", "ar"]


def _code(site: Site, email: str) -> str:
    """The code the outbox holds for ``email`` (``make run`` mails to the outbox)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with sqlite3.connect(site.data_dir / "puerta.sqlite3") as db:
            row = db.execute(
                "SELECT body FROM outbox WHERE to_address = ? ORDER BY id DESC LIMIT 1", (email,)
            ).fetchone()
        if row:
            return re.search(r"\b(\d{6})\b", row[0]).group(1)  # type: ignore[union-attr]
        time.sleep(0.2)
    raise AssertionError(f"no mail to {email}")


def _register_through_the_api(site: Site, email: str) -> str:
    from puerta.demo import synthetic_portrait
    from tests.api_support import traveler

    with httpx.Client(base_url=site.url, timeout=30) as api:
        signed = api.post(
            "/api/v1/sessions", json={"email": email, "password": "correct horse battery staple"}
        )
        assert signed.status_code == 201, signed.text
        auth = {"Authorization": f"Bearer {signed.json()['token']}"}
        made = api.post("/api/v1/registrations", json={"travelers": [traveler()]}, headers=auth)
        assert made.status_code == 201, made.text
        rid = made.json()["id"]
        photo = api.put(
            f"/api/v1/registrations/{rid}/travelers/0/photo",
            files={"photo": ("me.png", synthetic_portrait(len(email)), "image/png")},
            headers=auth,
        )
        assert photo.status_code == 200, photo.text
        return rid


def _window_open() -> bool:
    """Whether the request window is open now (11:00 to 12:00 New York time it is not)."""
    from puerta.clock import SystemClock
    from puerta.config import Settings
    from puerta.requests.service import window_from

    return window_from(Settings(_env_file=None)).pool_date(SystemClock().now()) is not None


def _look(page: Page, watch: Watch, name: str, lang: str) -> None:
    """What every page must be: in the language, accessible, light, every glyph drawn."""
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    print(shoot(page, name, lang=lang))
    check_tofu(page)
    check_axe(page)
    check_weight(watch)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_applicant_makes_an_account_and_signs_in(
    page: Page, watch: Watch, site: Site, locale: str
) -> None:
    email = f"ana.{locale}.{secrets.token_hex(4)}@example.org"
    page.goto("/", wait_until="networkidle")
    _look(page, watch, "start", locale)
    page.locator("a.button[href='/account/new']").click()
    page.wait_for_load_state("networkidle")
    _look(page, watch, "sign-up", locale)
    assert page.locator("#language").input_value() == locale  # the page's language, kept

    # A bad password first: the error summary, the field marked, the email kept.
    page.fill("#email", email)
    page.fill("#password", "short")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.locator("#email").input_value() == email
    assert page.locator("#password").get_attribute("aria-invalid") == "true"
    watch.allowed_console.append(r"status of 400")  # the form shown again says 400
    _look(page, watch, "sign-up-error", locale)

    page.fill("#password", "correct horse battery staple")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/account/verify?email=*")
    _look(page, watch, "verify", locale)
    page.fill("#code", _code(site, email))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/sign-in?verified=1*")
    expect(page.locator(".notice")).to_be_visible()
    _look(page, watch, "sign-in", locale)
    page.fill("#password", "correct horse battery staple")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/account")
    expect(page.locator("main")).to_contain_text(email)
    _look(page, watch, "account", locale)
    page.locator("a[href='/registrations']").click()
    page.wait_for_url("**/registrations")
    _look(page, watch, "registrations", locale)

    # The registration pages are not built yet: the group is registered through the API,
    # then the person asks for an appointment on the page, the browser giving the location.
    rid = _register_through_the_api(site, email)
    page.reload(wait_until="networkidle")
    page.locator(f"a[href='/registrations/{rid}']").click()
    page.wait_for_url(f"**/registrations/{rid}")
    _look(page, watch, "status-ready", locale)
    page.locator(f"a[href='/registrations/{rid}/ask']").click()
    page.wait_for_url(f"**/registrations/{rid}/ask")
    _look(page, watch, "ask", locale)
    page.locator("label[for='port-ELP']").click()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/registrations/{rid}")
    if _window_open():
        expect(page.locator(".lead")).to_have_class("lead stage-pending_request")
        _look(page, watch, "status-pending", locale)
