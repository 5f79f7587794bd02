"""Signing demo staff in, for the staff pages' browser tests: the one place that knows
what signing in takes (the second factor's step is added here, nowhere else)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from playwright.sync_api import Page, expect

from puerta.demo import ANALYST_EMAIL, STAFF_PASSWORD


def officer_email(port: str) -> str:
    """The demo officer of ``port`` (``puerta demo load``)."""
    return f"officer.{port.lower()}@demo.puerta.test"


ANALYST = ANALYST_EMAIL


def sign_in_staff(
    page: Page, email: str, password: str = STAFF_PASSWORD, *, next: str | None = None
) -> None:
    """Sign ``email`` in through ``/staff/sign-in`` in ``page``; lands on ``next`` (or
    the staff home)."""
    page.goto("/staff/sign-in" + (f"?next={quote(next)}" if next else ""))
    page.get_by_label("Work email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/staff/sign-in" not in url)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def staff_api_token(site_url: str, email: str, password: str = STAFF_PASSWORD) -> str:
    """A demo staff account's API token (``POST /api/v1/sessions``)."""
    with httpx.Client(base_url=site_url, timeout=30) as api:
        signed = api.post("/api/v1/sessions", json={"email": email, "password": password})
        assert signed.status_code == 201, signed.text
        return signed.json()["token"]
