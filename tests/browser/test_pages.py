"""Pages outside the journey, in a phone's browser: the start page, the day's draw, the
API docs, a 404."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    Watch,
    axe_violations,
    check_axe,
    check_tofu,
    check_weight,
    describe,
    shoot,
    weight,
)


def test_the_start_page(page: Page, watch: Watch) -> None:
    response = page.goto("/", wait_until="networkidle")
    assert response is not None
    assert response.status == 200
    expect(page.locator("h1").first).to_be_visible()
    assert page.evaluate("document.documentElement.lang")
    print(shoot(page, "start"))
    check_weight(watch)
    check_tofu(page)
    check_axe(page)


def test_swagger_ui_renders_from_this_server(page: Page, watch: Watch) -> None:
    response = page.goto("/docs", wait_until="networkidle")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_text("/api/v1/registrations").first).to_be_visible()
    print(shoot(page, "docs", lang="en", full_page=False))
    print(f"weight (not limited: a developer's page) {weight(watch)}")
    check_tofu(page)
    # Swagger UI is not ours to fix: report its violations, fail on none.
    print(f"axe /docs:\n{describe(axe_violations(page))}")
    assert not watch.foreign


def test_redoc_renders_from_this_server(page: Page, watch: Watch) -> None:
    # ReDoc 2.5.4's sidebar always draws "API docs by Redocly" with an <img> from its CDN;
    # /redoc's Content-Security-Policy (web/api_docs.py) blocks it, so it never leaves.
    watch.allowed_blocked.append("https://cdn.redoc.ly/redoc/logo-mini.svg")
    response = page.goto("/redoc", wait_until="networkidle")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_text("/api/v1/registrations").first).to_be_attached()
    print(shoot(page, "redoc", lang="en", full_page=False))
    print(f"weight (not limited: a developer's page) {weight(watch)}")
    assert not watch.sent()


def test_an_unknown_path_is_a_404(page: Page, watch: Watch) -> None:
    watch.allowed_console.append(r"status of 404")  # Chromium logs the page's own status
    response = page.goto("/no-such-page", wait_until="networkidle")
    assert response is not None
    assert response.status == 404
    print(shoot(page, "404", lang="en"))
    check_weight(watch)


@pytest.mark.parametrize("locale", ["es", "ht", "ar"])
def test_the_last_draw_is_one_tap_from_the_start_page(
    page: Page, watch: Watch, locale: str
) -> None:
    """Anyone can check the day's draw: its figures per port and the checks, in words."""
    page.goto("/", wait_until="networkidle")
    page.locator("a[href^='/draws/']").click()
    page.wait_for_url("**/draws/*")
    assert page.evaluate("document.documentElement.lang") == locale
    expect(page.locator("table tbody tr").first).to_be_visible()
    assert page.locator("table tbody tr").count() == 8  # the eight ports
    assert page.locator(".checks .done").count() >= 5  # every check holds on the demo
    print(shoot(page, "draw", lang=locale))
    check_tofu(page)
    check_axe(page)
    check_weight(watch)


def test_a_form_sent_on_a_lost_connection_keeps_what_was_typed(page: Page, watch: Watch) -> None:
    """keep.js: what was typed survives a post that never reached the server."""
    from puerta.demo import APPLICANT_EMAIL, APPLICANT_PASSWORD

    watch.allowed_console.append(r"ERR_INTERNET_DISCONNECTED")
    page.goto("/sign-in", wait_until="networkidle")
    page.fill("#email", APPLICANT_EMAIL)
    page.fill("#password", APPLICANT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/account")
    page.goto("/register/travelers/new", wait_until="networkidle")
    page.fill("#given_names", "Ana Lucía")
    page.fill("#family_names", "Morales Pérez")
    page.select_option("#country_of_birth", "HN")
    page.locator("label[for='sex-F']").click()
    page.context.set_offline(True)
    page.locator("main form button[type=submit]").click()  # the post cannot leave
    page.wait_for_load_state()
    page.context.set_offline(False)
    page.goto("/register/travelers/new", wait_until="networkidle")
    assert page.locator("#given_names").input_value() == "Ana Lucía"
    assert page.locator("#family_names").input_value() == "Morales Pérez"
    assert page.locator("#country_of_birth").input_value() == "HN"
    assert page.locator("#sex-F").is_checked()
