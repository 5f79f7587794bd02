"""The proof of work in a phone's browser: the vendored widget solves Puerta's challenge
while the person types and the form goes with it; without JavaScript the page says this
step needs it, and a post without the check comes back plainly with what was typed."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Site
from tests.browser.support import PHONE, Watch, check_axe, check_tofu, check_weight, shoot

PASSWORD = "correct horse battery staple"


def test_the_widget_solves_while_the_person_types_and_the_sign_up_goes(
    page: Page, watch: Watch
) -> None:
    page.goto("/account/new", wait_until="networkidle")
    page.fill("#email", f"pow.{secrets.token_hex(4)}@example.org")
    page.fill("#password", PASSWORD)
    # The work was started when the page opened; the hidden field holds its solution.
    expect(page.locator("altcha-widget input[name=altcha]")).to_have_value(
        re.compile(r"^ey"), timeout=60_000
    )
    assert page.evaluate("document.querySelector('altcha-widget').getState()") == "verified"
    expect(page.locator("#altcha")).to_contain_text("Check done")  # Puerta's words
    print(shoot(page, "sign-up-checked"))
    check_tofu(page)
    check_axe(page)
    check_weight(watch)
    fetched = [u for u in watch.requests if "/api/v1/challenge" in u or "altcha" in u]
    assert any(u.endswith("/api/v1/challenge") for u in fetched), fetched
    assert any(u.endswith("/static/vendor/altcha-3.2.2/pbkdf2.js") for u in watch.requests)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/account/verify?email=*")


def test_a_form_sent_before_the_check_is_done_waits_for_it(page: Page) -> None:
    page.goto("/account/new")
    page.fill("#email", f"quick.{secrets.token_hex(4)}@example.org")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()  # at once, solved or not
    page.wait_for_url("**/account/verify?email=*", timeout=60_000)


def test_without_javascript_the_page_says_this_step_needs_it(browser: Browser, site: Site) -> None:
    context = browser.new_context(
        **PHONE, locale="en", base_url=site.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/account/new")
        expect(page.locator("#altcha .notice")).to_contain_text("This step needs JavaScript")
        print(shoot(page, "sign-up-no-javascript"))
        email = f"nojs.{secrets.token_hex(4)}@example.org"
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator(".error-summary")).to_contain_text(
            "Your browser has not finished its check"
        )
        assert page.locator("#email").input_value() == email  # what was typed is kept
        print(shoot(page, "sign-up-no-javascript-sent"))
    finally:
        context.close()
