"""Staff sign in with a password and a code from an authenticator app (TOTP), on a phone
and on a desk's screen: the sign-in, the code step (a wrong code, then the right one),
the enrolment of a new account (made with ``puerta staff create`` in the test server's
store), its recovery codes, and the audit page an admin reads. Screenshots under
``build/screenshots/en/staff/``; axe on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Site, _environment, _run
from tests.browser.staff_support import give_code, officer_email, totp_code
from tests.browser.support import Watch, check_axe, shoot

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
ADMIN = "admin@browser.puerta.test"
ADMIN_PASSWORD = "admin pass for the browser"


@pytest.fixture
def desk(browser: Browser, site: Site) -> Iterator[tuple[BrowserContext, Page, Watch]]:
    """A desktop browser (an officer's desk, an admin's office)."""
    context = browser.new_context(**DESKTOP, locale="en", base_url=site.url)
    context.set_default_timeout(45_000)
    page = context.new_page()
    watch = Watch(origin=site.url)
    watch.attach(context, page)
    yield context, page, watch
    problems = watch.problems()
    context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _password(page: Page, email: str, password: str | None = None) -> None:
    page.get_by_label("Work email address").fill(email)
    if password is None:
        from puerta.demo import STAFF_PASSWORD

        password = STAFF_PASSWORD
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_officer_signs_in_with_a_code_on_a_phone(page: Page, watch: Watch) -> None:
    watch.allowed_console.append(r"status of 400")  # the code step shown again says 400
    email = officer_email("SYS")
    page.goto("/staff/sign-in")
    print(shoot(page, "staff/sign-in"))
    check_axe(page)
    _password(page, email)
    page.wait_for_url(re.compile(r"/staff/second-factor\?next="))
    expect(page.get_by_role("heading", name="Your code")).to_be_visible()
    print(shoot(page, "staff/second-factor"))
    check_axe(page)

    right = totp_code(email)
    page.get_by_label("Code", exact=True).fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("This code is wrong")
    print(shoot(page, "staff/second-factor-wrong"))
    check_axe(page)

    page.get_by_label("Code", exact=True).fill(right)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/staff$"))
    expect(page.get_by_role("heading", name="Puerta for staff")).to_be_visible()
    expect(page.get_by_role("link", name="Today's arrivals")).to_be_visible()
    print(shoot(page, "staff/home-officer"))


def test_the_sign_in_and_the_code_step_at_a_desk(
    desk: tuple[BrowserContext, Page, Watch],
) -> None:
    _, page, _ = desk
    page.goto("/staff/sign-in")
    print(shoot(page, "staff/sign-in-desktop"))
    _password(page, officer_email("ELP"))
    page.wait_for_url(re.compile(r"/staff/second-factor"))
    print(shoot(page, "staff/second-factor-desktop"))
    check_axe(page)
    give_code(page, officer_email("ELP"))
    page.wait_for_url(re.compile(r"/staff$"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_new_admin_enrols_then_reads_the_audit_trail(
    site: Site, page: Page, desk: tuple[BrowserContext, Page, Watch]
) -> None:
    env = _environment(site.data_dir)
    _run(
        ["staff", "create", "--email", ADMIN, "--role", "admin", "--password", ADMIN_PASSWORD],
        env,
        site.data_dir.parent,
    )
    # On a phone: the first sign-in goes to the enrolment page.
    page.goto("/staff/sign-in")
    _password(page, ADMIN, ADMIN_PASSWORD)
    page.wait_for_url(re.compile(r"/staff/enrol\?next="))
    qr = page.get_by_role("img", name="QR code to add your Puerta account to an authenticator app")
    expect(qr).to_be_visible()
    print(shoot(page, "staff/enrol"))
    check_axe(page)
    secret = page.locator(".enrol-secret code").inner_text().replace(" ", "")

    # At a desk, the same account's enrolment page (signed in there too).
    _, desk_page, _ = desk
    desk_page.goto("/staff/sign-in")
    _password(desk_page, ADMIN, ADMIN_PASSWORD)
    desk_page.wait_for_url(re.compile(r"/staff/enrol"))
    assert desk_page.locator(".enrol-secret code").inner_text().replace(" ", "") == secret
    print(shoot(desk_page, "staff/enrol-desktop"))

    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    print(shoot(page, "staff/recovery-codes"))
    check_axe(page)
    page.get_by_role("link", name="I have saved them").click()
    page.wait_for_url(re.compile(r"/staff$"))

    # The audit trail, at the desk: the desk's session now gives the code step.
    desk_page.goto("/staff/admin/audit")
    desk_page.wait_for_url(re.compile(r"/staff/second-factor"))
    desk_page.get_by_label("Code", exact=True).fill(totp.at(_next_step_time(totp)))
    desk_page.get_by_role("button", name="Continue").click()
    desk_page.wait_for_url(re.compile(r"/staff/admin/audit$"))
    expect(desk_page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(desk_page.get_by_text("staff.enrolled").first).to_be_visible()
    print(shoot(desk_page, "staff/audit-desktop"))
    check_axe(desk_page)
    desk_page.get_by_label("Action").fill("staff.second_factor_failed")
    desk_page.get_by_role("button", name="Search").click()
    expect(desk_page.get_by_role("heading", name=re.compile("matching row"))).to_be_visible()
    page.goto("/staff/admin/audit?action=staff.sign_in")
    expect(page.get_by_role("heading", name=re.compile("matching row"))).to_be_visible()
    print(shoot(page, "staff/audit"))
    check_axe(page)


def _next_step_time(totp: pyotp.TOTP) -> float:
    """A moment in the next time step: the enrolment spent the current one."""
    from puerta.clock import SystemClock

    return SystemClock().now().timestamp() + totp.interval
