"""The officers' console in a browser: a demo officer signs in, reads the day's arrivals,
looks an arrival up by its typed code (and by a scanned QR code where the browser can
scan), sees both photos, and prints the briefing; on a phone and on a desk's screen."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Site
from tests.browser.staff_support import officer_email, sign_in_staff
from tests.browser.support import PHONE, Watch, check_axe, shoot

PORT = "SYS"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "timezone_id": "America/Los_Angeles"}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
#: A scanner for a browser without one: the browser's BarcodeDetector and camera, faked
#: in the page before it loads, reading the code given (what the applicant's QR holds).
FAKE_SCANNER = """
(code) => {
  window.BarcodeDetector = class {
    static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
    detect() { return Promise.resolve([{ rawValue: code, format: "qr_code" }]); }
  };
  navigator.mediaDevices.getUserMedia = () => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    canvas.getContext("2d").fillRect(0, 0, 64, 64);
    return Promise.resolve(canvas.captureStream(5));
  };
}
"""


def demo_arrival(site: Site) -> tuple[str, str]:
    """A booked demo appointment at ``PORT`` with a live photo: (code, day)."""
    with sqlite3.connect(site.data_dir / "puerta.sqlite3") as store:
        row = store.execute(
            "SELECT a.code, a.day FROM appointments a"
            " JOIN live_face_checks c ON c.appointment_id = a.id"
            " WHERE a.port_code = ? AND a.status = 'booked' ORDER BY a.slot_start, a.id LIMIT 1",
            (PORT,),
        ).fetchone()
    assert row is not None, "the demo has no booked arrival at San Ysidro"
    return row[0], row[1]


@pytest.fixture(params=sorted(SIZES))
def console(request: pytest.FixtureRequest, browser: Browser, site: Site) -> Iterator[Page]:
    """A page at phone or desktop size, watched like the ``page`` fixture's."""
    context = browser.new_context(**SIZES[request.param], locale="en", base_url=site.url)
    context.set_default_timeout(45_000)
    page = context.new_page()
    watch = Watch(origin=site.url)
    watch.attach(context, page)
    page.size_name = request.param  # type: ignore[attr-defined]
    yield page
    context.close()
    problems = watch.problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def images_loaded(page: Page) -> list[tuple[str, int]]:
    """(src, naturalWidth) of every image on the page, once each has loaded or failed."""
    page.wait_for_function("[...document.images].every(i => i.complete)")
    return page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.getAttribute('src'), i.naturalWidth])"
    )


def test_an_officer_reads_arrivals_looks_one_up_and_prints_the_briefing(
    console: Page, site: Site
) -> None:
    page, size = console, console.size_name  # type: ignore[attr-defined]
    code, day = demo_arrival(site)
    sign_in_staff(page, officer_email(PORT), next=f"/staff/ports/{PORT}/arrivals?date={day}")

    # The day's arrivals, each with its travelers' photos.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Arrivals at San Ysidro")
    expect(page.get_by_role("link", name=code).first).to_be_visible()
    for img in page.locator("img.thumb").all():
        img.scroll_into_view_if_needed()
    thumbs = images_loaded(page)
    assert thumbs, "no photo on the arrivals list"
    assert all(width > 0 for _, width in thumbs), thumbs
    print(shoot(page, f"staff/console-arrivals-{size}"))
    check_axe(page)

    # Look-up by the typed code, as a person reads it off a phone: lower case, spaced.
    page.get_by_role("link", name="Look up").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Look up an appointment")
    expect(page.get_by_role("button", name="Scan the QR code")).to_be_hidden()  # no detector
    check_axe(page)
    page.get_by_label("Confirmation code").fill(f"{code[:5].lower()} {code[5:].lower()}")
    page.get_by_role("button", name="Look up", exact=True).click()
    page.wait_for_url(f"**/staff/ports/{PORT}/arrivals/{code}")

    # The detail: the registered photo and the live photo side by side, loaded.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Arrival {code}")
    expect(page.get_by_text("It never refuses anyone")).to_be_visible()
    shown = images_loaded(page)
    sources = [src for src, _ in shown]
    assert any(s.startswith("/staff/photos/registered/") for s in sources), sources
    assert f"/staff/photos/live/{code}" in sources, sources
    assert all(width > 0 for _, width in shown), shown
    expect(page.get_by_role("link", name="Process this arrival")).to_be_visible()
    print(shoot(page, f"staff/console-arrival-{size}"))
    check_axe(page)

    # The briefing, on screen and as printed.
    page.goto(f"/staff/ports/{PORT}/briefing?start={day}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Holders of interest")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    check_axe(page)
    page.emulate_media(media="print")
    expect(page.locator(".staff-nav")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    print(shoot(page, f"staff/console-briefing-print-{size}"))
    page.emulate_media(media="screen")


def test_a_scanned_qr_code_opens_the_arrival(page: Page, site: Site) -> None:
    """Where the browser has BarcodeDetector and a camera (faked here: Debian's chromium
    has no detector on Linux), "Scan the QR code" fills the code and sends the form."""
    code, _ = demo_arrival(site)
    page.add_init_script(f"({FAKE_SCANNER})({code!r})")
    sign_in_staff(page, officer_email(PORT), next="/staff/lookup")
    scan = page.get_by_role("button", name="Scan the QR code")
    expect(scan).to_be_visible()
    scan.click()
    page.wait_for_url(f"**/staff/ports/{PORT}/arrivals/{code}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Arrival {code}")
