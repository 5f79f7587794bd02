"""The analysts' dashboards in a browser: the demo analyst signs in, opens them, changes
the range, and downloads a figure's CSV; on a phone and on a desktop, axe clean."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from puerta.demo import ANALYST_EMAIL
from tests.browser.conftest import Site
from tests.browser.staff_support import sign_in_staff
from tests.browser.support import PHONE, Watch, check_axe, shoot

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "timezone_id": "America/New_York"}


@pytest.fixture(params=["phone", "desktop"])
def device(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def screen(browser: Browser, site: Site, device: str) -> Iterator[BrowserContext]:
    options = PHONE if device == "phone" else DESKTOP
    context = browser.new_context(**options, locale="en", base_url=site.url, accept_downloads=True)
    context.set_default_timeout(45_000)
    yield context
    context.close()


def test_an_analyst_reads_the_dashboards_and_downloads_a_figure(
    screen: BrowserContext, site: Site, device: str
) -> None:
    watch = Watch(origin=site.url)
    page: Page = screen.new_page()
    watch.attach(screen, page)
    sign_in_staff(page, ANALYST_EMAIL, next="/staff/dashboards")
    page.goto("/staff/dashboards")
    assert page.locator("h1").inner_text() == "Dashboards"
    charts = page.locator("figure.chart svg[role=img]")
    assert charts.count() == 7
    assert all(charts.nth(i).get_attribute("aria-label") for i in range(7))
    # The demo's draw ran on the last closed pool: the requests chart has its numbers.
    requests = page.locator("#requests table tbody tr")
    assert requests.count() == 28
    shoot(page, f"staff/dashboards-{device}")
    check_axe(page)

    # A shorter range, and one port.
    start = date.fromisoformat(page.locator("#from").input_value())
    end = start + timedelta(days=27)
    page.fill("#from", (end - timedelta(days=6)).isoformat())
    page.fill("#to", end.isoformat())
    page.select_option("#port", "SYS")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator("#requests table tbody tr").count() == 7
    assert "port=SYS" in (page.locator("#requests a[download]").get_attribute("href") or "")
    shoot(page, f"staff/dashboards-week-{device}")
    check_axe(page)

    # The table and its CSV say the same.
    body = page.locator("#requests table tbody tr")
    shown = [[c.strip() for c in body.nth(i).locator("th, td").all_inner_texts()] for i in range(7)]
    with page.expect_download() as caught:
        page.locator("#requests a[download]").click()
    download = caught.value
    assert download.suggested_filename.startswith("puerta-requests-")
    assert download.suggested_filename.endswith("-SYS.csv")
    path = download.path()
    assert path is not None
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == ["date", "SYS"]
    assert [r[1] for r in rows[1:]] == [r[1] for r in shown]

    # A bad range: the page again, with the error summary, and still axe clean.
    watch.allowed_console.append(r"status of 400 ")  # the refused range's own answer
    page.fill("#from", end.isoformat())
    page.fill("#to", (end - timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("figure.chart").count() == 0
    check_axe(page)
    problems = watch.problems()
    assert not problems, problems
