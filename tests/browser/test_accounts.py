"""An applicant makes an account and signs in, on a phone, in Spanish, Haitian Creole and
Arabic: every page in the language, right to left for Arabic, accessible, light."""

from __future__ import annotations

import re
import secrets
import sqlite3
import time

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
