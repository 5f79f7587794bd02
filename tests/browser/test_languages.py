"""Every page a newcomer meets, in every language Puerta serves, on a phone.

For each of the 14 languages: the public pages (start, make an account, sign in,
forgotten password, the day's draw, a missing page), then, signed in as the demo
applicant, the registrations, an offer waiting to be confirmed and its confirm and
more-time pages, a booked appointment and its cancel step, asking, the photos and a
traveler's form. Each page must be in the chosen language (and
right to left for Arabic), draw every glyph (the Noto fonts for Armenian, Georgian,
Gurmukhi and Chinese), pass axe, stay light, and ask nothing of another host; each
is photographed into ``build/screenshots/<language>/`` for a reviewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from puerta.demo import APPLICANT_EMAIL, APPLICANT_PASSWORD
from puerta.i18n.translate import available_locales
from puerta.web.pages import direction
from tests.browser.conftest import Site
from tests.browser.support import PHONE, Watch, check_axe, check_tofu, check_weight, shoot

LANGUAGES = sorted(available_locales())


def test_the_fourteen_languages_are_served() -> None:
    assert len(LANGUAGES) == 14


@pytest.fixture(params=LANGUAGES)
def reader(request: pytest.FixtureRequest, browser: Browser, site: Site) -> Iterator[Page]:
    lang = request.param
    context = browser.new_context(**PHONE, base_url=site.url)
    context.set_default_timeout(45_000)
    page = context.new_page()
    watch = Watch(origin=site.url)
    watch.attach(context, page)
    watch.allowed_console.append(r"status of 404")  # the missing page says 404
    page.goto(f"/language?lang={lang}&next=/", wait_until="networkidle")
    page.watch = watch  # type: ignore[attr-defined]
    yield page
    problems = watch.problems()
    context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _look(page: Page, name: str) -> None:
    lang = page.evaluate("document.documentElement.lang")
    folder = lang.replace("-", "_")
    assert folder in LANGUAGES, lang
    assert page.evaluate("document.documentElement.dir") == direction(folder)
    print(shoot(page, name, lang=folder))
    check_tofu(page)
    check_axe(page)
    check_weight(page.watch)  # type: ignore[attr-defined]


def _visit(page: Page, path: str, name: str) -> None:
    page.goto(path, wait_until="networkidle")
    _look(page, name)


def test_every_page_in_every_language(reader: Page) -> None:
    page = reader
    _look(page, "start")
    draw = page.locator("a[href^='/draws/']").get_attribute("href")
    assert draw is not None
    for path, name in (
        ("/account/new", "sign-up"),
        ("/sign-in", "sign-in"),
        ("/account/forgot", "forgot"),
        ("/appointments/check", "appointment-check"),
        (draw, "draw"),
        ("/no-such-page", "404"),
    ):
        _visit(page, path, name)

    page.goto("/sign-in", wait_until="networkidle")
    page.fill("#email", APPLICANT_EMAIL)
    page.fill("#password", APPLICANT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/account")
    _look(page, "account")
    _visit(page, "/registrations", "registrations")
    links = page.locator("main a[href^='/registrations/R']")
    ids = sorted(
        {
            m
            for h in links.evaluate_all("els => els.map(e => e.href)")
            for m in re.findall(r"/registrations/(R\w+)$", h)
        }
    )
    assert ids, "the demo applicant has registrations"
    stages = {}
    for rid in ids:
        page.goto(f"/registrations/{rid}", wait_until="networkidle")
        stage = (page.locator("p.lead").get_attribute("class") or "").removeprefix("lead stage-")
        stages[stage] = rid
        _look(page, f"status-{stage}")
    assert {"selected", "confirmed"} <= set(stages)
    _visit(page, f"/registrations/{stages['selected']}/confirm", "confirm")
    _visit(page, f"/registrations/{stages['selected']}/extend", "extend")
    _visit(page, f"/registrations/{stages['confirmed']}/cancel", "cancel")
    _visit(page, f"/registrations/{stages['confirmed']}/ask", "ask")
    _visit(page, f"/registrations/{ids[0]}/photos", "photos")
    _visit(page, "/register/travelers/new", "traveler")
