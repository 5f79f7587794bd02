"""The account pages with JavaScript off: forms, errors on their fields, redirects, tokens."""

from __future__ import annotations

import re

from sqlalchemy import select

from puerta.accounts.models import User
from tests.api_support import Api, last_code

HTML = {"Accept": "text/html"}


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def _get_form(api: Api, path: str) -> str:
    page = api.client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    return _token(page.text)


def test_sign_up_verify_sign_in_and_out_in_a_browser(api: Api) -> None:
    token = _get_form(api, "/account/new")
    made = api.client.post(
        "/account/new",
        data={
            "email": "Ana@Example.org",
            "password": "correct horse battery",
            "language": "en",
            "csrf_token": token,
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/account/verify?email=ana%40example.org"
    token = _get_form(api, made.headers["location"])
    code = last_code(api.db, "ana@example.org")
    checked = api.client.post(
        "/account/verify",
        data={"email": "ana@example.org", "code": code, "csrf_token": token},
        follow_redirects=False,
    )
    assert checked.status_code == 303
    page = api.client.get(checked.headers["location"], headers=HTML)
    assert "Your email is checked" in page.text
    signed_in = api.client.post(
        "/sign-in",
        data={
            "email": "ana@example.org",
            "password": "correct horse battery",
            "csrf_token": _token(page.text),
        },
        follow_redirects=False,
    )
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/account")
    cookie = signed_in.cookies.get("__Host-puerta_session")
    assert cookie
    api.client.cookies.set("__Host-puerta_session", cookie)
    mine = api.client.get("/account", headers=HTML)
    assert "You are signed in as ana@example.org" in mine.text
    out = api.client.post(
        "/sign-out", data={"csrf_token": _token(mine.text)}, follow_redirects=False
    )
    assert (out.status_code, out.headers["location"]) == (303, "/")
    after = api.client.get("/account", headers=HTML, follow_redirects=False)
    assert (after.status_code, after.headers["location"]) == (303, "/sign-in")


def test_a_bad_form_shows_its_errors_on_the_fields_and_keeps_what_was_typed(api: Api) -> None:
    token = _get_form(api, "/account/new")
    bad = api.client.post(
        "/account/new",
        data={"email": "not-an-email", "password": "short", "language": "en", "csrf_token": token},
        headers=HTML,
    )
    assert bad.status_code == 400
    assert "There is a problem" in bad.text
    assert 'href="#email"' in bad.text
    assert 'value="not-an-email"' in bad.text  # what was typed is kept
    assert "short" not in re.sub(r"<[^>]+>", "", bad.text.split("<main")[1])  # never the password
    weak = api.client.post(
        "/account/new",
        data={
            "email": "bo@example.org",
            "password": "short",
            "language": "en",
            "csrf_token": token,
        },
        headers=HTML,
    )
    assert 'href="#password"' in weak.text
    assert "Use at least 8 characters." in weak.text
    with api.db.read_only() as s:
        assert s.scalar(select(User.id).where(User.email == "bo@example.org")) is None


def test_a_form_without_its_token_is_refused_and_writes_nothing(api: Api) -> None:
    _get_form(api, "/account/new")
    forged = api.client.post(
        "/account/new",
        data={
            "email": "eve@example.org",
            "password": "correct horse battery",
            "language": "en",
            "csrf_token": "made-up",
        },
        headers=HTML,
    )
    assert forged.status_code == 400
    assert "too old or came from another page" in forged.text
    with api.db.read_only() as s:
        assert s.scalar(select(User.id).where(User.email == "eve@example.org")) is None


def test_a_wrong_password_is_said_on_the_page(api: Api) -> None:
    api.sign_up_verified("ana@example.org")
    token = _get_form(api, "/sign-in")
    wrong = api.client.post(
        "/sign-in",
        data={"email": "ana@example.org", "password": "not the password", "csrf_token": token},
        headers=HTML,
    )
    assert wrong.status_code == 400
    assert "There is a problem" in wrong.text
    assert "__Host-puerta_session" not in wrong.headers.get("set-cookie", "")


def test_a_new_password_through_the_pages(api: Api) -> None:
    api.sign_up_verified("ana@example.org")
    token = _get_form(api, "/account/forgot")
    asked = api.client.post(
        "/account/forgot",
        data={"email": "ana@example.org", "csrf_token": token},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    token = _get_form(api, asked.headers["location"])
    done = api.client.post(
        "/account/reset",
        data={
            "email": "ana@example.org",
            "code": last_code(api.db, "ana@example.org"),
            "password": "a brand new passphrase",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert api.sign_in("ana@example.org", "a brand new passphrase")
