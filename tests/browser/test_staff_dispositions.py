"""An officer processes an arrival in the browser: opens the process page of a demo
appointment, checks the group in, records a disposition per traveler, corrects one
with a reason; the day summary. Phone and desktop screenshots, axe clean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Site
from tests.browser.staff_support import officer_email, sign_in_staff
from tests.browser.support import Watch, check_axe, shoot

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "timezone_id": "America/Los_Angeles"}


def _demo_arrival(site: Site) -> tuple[str, str, int, str]:
    """A booked demo appointment of two travelers or more: (port, code, travelers, day),
    read from the demo store."""
    engine = sa.create_engine(f"sqlite:///{site.data_dir / 'puerta.sqlite3'}")
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT port_code, code, seats, day FROM appointments a "
                    "WHERE status = 'booked' "
                    "AND seats >= 2 AND NOT EXISTS (SELECT 1 FROM arrivals r "
                    "WHERE r.appointment_id = a.id AND r.status = 'arrived') ORDER BY code"
                )
            ).first()
    finally:
        engine.dispose()
    assert row is not None, "the demo has no booked group of two"
    return row[0], row[1], row[2], str(row[3])


@pytest.fixture
def desktop(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    context = browser.new_context(**DESKTOP, locale="en", base_url=site.url)
    context.set_default_timeout(45_000)
    yield context
    context.close()


def test_an_officer_checks_in_and_records_dispositions(
    page: Page, site: Site, desktop: BrowserContext, watch: Watch
) -> None:
    watch.allowed_console.append(r"status of 400")  # the refused correction's page says 400
    port, code, travelers, day = _demo_arrival(site)
    process = f"/staff/ports/{port}/arrivals/{code}/process"
    sign_in_staff(page, officer_email(port), next=process)
    expect(page.get_by_role("heading", name=f"Process arrival {code}")).to_be_visible()
    shoot(page, "staff/process-before-check-in")
    check_axe(page)
    if page.get_by_label("Why are you correcting it?").count():  # the demo day has closed
        page.get_by_label("Why are you correcting it?").fill("arrived late")
    page.get_by_role("button", name="Check in now").click()
    expect(page.locator("#arrival-status")).to_have_text("arrived")
    expect(page.locator("#checked-in")).to_contain_text("Checked in at")

    first = page.locator("#traveler-0")
    first.get_by_label("processed with a notice to appear").check()
    expect(first.get_by_label("Street address")).not_to_have_value("")  # the registered one
    first.get_by_role("button", name="Record the disposition").click()
    expect(page.locator("#traveler-0 .disposition-now")).to_have_text(
        "processed with a notice to appear"
    )
    expect(page.locator("#traveler-0")).to_contain_text("same address as registered")
    for position in range(1, travelers):
        section = page.locator(f"#traveler-{position}")
        section.get_by_label("paroled").check()
        section.get_by_role("button", name="Record the disposition").click()
        expect(page.locator(f"#traveler-{position} .disposition-now")).to_have_text("paroled")

    # A correction without its reason is refused with the error summary, then made.
    second = page.locator("#traveler-1")
    second.get_by_text("Correct this disposition").click()
    second.get_by_label("refused").check()
    second.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    shoot(page, "staff/process-correction-refused")
    second = page.locator("#traveler-1")
    second.get_by_label("refused").check()
    second.get_by_label("Why are you correcting it?").fill("recorded on the wrong traveler")
    second.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#traveler-1 .disposition-now")).to_have_text("refused")
    expect(page.get_by_role("table")).to_contain_text("Correction: recorded on the wrong traveler")
    shoot(page, "staff/process-done")
    check_axe(page)

    wide = desktop.new_page()
    sign_in_staff(wide, officer_email(port), next=process)
    expect(wide.locator("#traveler-1 .disposition-now")).to_have_text("refused")
    shoot(wide, "staff/process-desktop")
    check_axe(wide)
    wide.get_by_role("link", name="Day summary").click()
    expect(wide.get_by_role("heading", level=1)).to_contain_text("Day summary")
    wide.get_by_label("Date").fill(day)
    wide.get_by_role("button", name="Show").click()
    expect(wide.locator("#address-match")).to_have_text("1 of 1 (100%)")
    shoot(wide, "staff/summary-desktop")
    check_axe(wide)
    page.goto(f"/staff/ports/{port}/summary?date={day}")
    shoot(page, "staff/summary-phone")
    check_axe(page)
