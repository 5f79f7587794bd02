"""Signing demo staff in, for the staff pages' browser tests: the one place that knows
what signing in takes (the password, then a code of the demo's public TOTP secret).

The demo's staff accounts (``puerta demo load``) are enrolled with
``puerta.demo.STAFF_TOTP_SECRET``; codes are computed here with pyotp from the wall
clock, as a phone's app does. The server refuses a code of a time step already used
(a replay), so :func:`totp_code` hands out each account's steps in order and, when a
test file signs one account in more than twice within 30 seconds, waits for the next.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import pyotp
from playwright.sync_api import Page, expect

from puerta.accounts.second_factor import STEP_SECONDS
from puerta.clock import SystemClock
from puerta.demo import ANALYST_EMAIL, STAFF_PASSWORD, STAFF_TOTP_SECRET


def officer_email(port: str) -> str:
    """The demo officer of ``port`` (``puerta demo load``)."""
    return f"officer.{port.lower()}@demo.puerta.test"


ANALYST = ANALYST_EMAIL
#: The last time step this process used, per account: the server refuses it again.
_USED: dict[str, int] = {}


def totp_code(email: str, secret: str = STAFF_TOTP_SECRET) -> str:
    """A code that ``email``'s second factor takes now: of the current step, or the next
    (the server accepts one step either side), never a step already used."""
    while True:
        seconds = SystemClock().now().timestamp()  # the wall clock, as the phone's app reads it
        now = int(seconds) // STEP_SECONDS
        step = max(now, _USED.get(email, -1) + 1)
        if step <= now + 1:
            break
        time.sleep(STEP_SECONDS - seconds % STEP_SECONDS + 0.5)
    _USED[email] = step
    return pyotp.TOTP(secret).generate_otp(step)


def give_code(page: Page, email: str) -> None:
    """The second-factor step's form, on ``page``: the code, then Continue."""
    page.get_by_label("Code", exact=True).fill(totp_code(email))
    page.get_by_role("button", name="Continue").click()


def sign_in_staff(
    page: Page, email: str, password: str = STAFF_PASSWORD, *, next: str | None = None
) -> None:
    """Sign ``email`` in through ``/staff/sign-in`` and its code step in ``page``; lands
    on ``next`` (or the staff home)."""
    page.goto("/staff/sign-in" + (f"?next={quote(next)}" if next else ""))
    page.get_by_label("Work email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/staff/second-factor" in url)
    give_code(page, email)
    page.wait_for_url(lambda url: "/staff/second-factor" not in url)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def confirm_identity(page: Page, email: str, password: str = STAFF_PASSWORD) -> None:
    """Answer ``/staff/confirm`` (before a sensitive action, when the sign-in is more
    than ``staff_reauth_minutes`` old): the password and a fresh code."""
    page.wait_for_url(lambda url: "/staff/confirm" in url)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Code from the app").fill(totp_code(email))
    page.get_by_role("button", name="Confirm and go on").click()
    page.wait_for_url(lambda url: "/staff/confirm" not in url)


def staff_api_token(site_url: str, email: str, password: str = STAFF_PASSWORD) -> str:
    """A demo staff account's API token (``POST /api/v1/sessions``, then its code)."""
    with httpx.Client(base_url=site_url, timeout=30) as api:
        signed = api.post("/api/v1/sessions", json={"email": email, "password": password})
        assert signed.status_code == 201, signed.text
        token = signed.json()["token"]
        given = api.post(
            "/api/v1/sessions/current/second-factor",
            json={"code": totp_code(email)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert given.status_code == 200, given.text
        return token
