"""Guessing passwords: a pause that grows per account and per address, tells the owner
once, never lasts more than 15 minutes, and ends with a new password (issue 12: 50
wrong passwords then the right one used to sign in with no throttle at all)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from puerta.accounts import throttle
from puerta.accounts.models import OutboxMessage, Role
from tests.api_support import Api, last_code

PASSWORD = "correct horse battery"


def _sign_in(api: Api, email: str, password: str, ip: str | None = None) -> Any:
    """Signing in from the test client, or from another address ``ip``."""
    client = api.client if ip is None else TestClient(api.client.app, client=(ip, 50000))
    return client.post("/api/v1/sessions", json={"email": email, "password": password})


def _mails(api: Api, email: str) -> int:
    with api.db.session() as s:
        return s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == email)
        )


def test_the_pause_grows_and_is_bounded() -> None:
    pauses = [throttle.pause_for(n, 5) for n in range(1, 101)]
    assert pauses[:4] == [timedelta(0)] * 4
    assert pauses[4:7] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert max(pauses) == throttle.MAX_PAUSE == timedelta(minutes=15)
    assert pauses == sorted(pauses)


def test_fifty_wrong_passwords_then_the_right_one_is_paused(api: Api) -> None:
    api.sign_up_verified("ana@example.org")
    codes = [_sign_in(api, "ana@example.org", f"wrong {i}").status_code for i in range(50)]
    assert codes[:5] == [401] * 5
    assert set(codes[5:]) == {429}  # refused before the slow check: not even tried
    right = _sign_in(api, "ana@example.org", PASSWORD)
    assert right.status_code == 429
    assert right.headers["Retry-After"] == "60"
    assert right.json()["code"] == "auth.sign_in_paused"
    api.clock.advance(seconds=31)
    assert _sign_in(api, "ana@example.org", PASSWORD).status_code == 201
    # Signed in: the account starts from zero.
    assert [_sign_in(api, "ana@example.org", "x").status_code for _ in range(4)] == [401] * 4


def test_the_owner_is_told_once_in_their_language(api: Api) -> None:
    api.client.post(
        "/api/v1/accounts",
        json={"email": "ana@example.org", "password": PASSWORD, "language": "es"},
    )
    before = _mails(api, "ana@example.org")
    for i in range(12):
        _sign_in(api, "ana@example.org", f"wrong {i}")
        api.clock.advance(minutes=16)  # each pause over: every guess is counted
    assert _mails(api, "ana@example.org") == before + 1
    with api.db.session() as s:
        mail = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail is not None
    assert "Puerta" in mail.subject
    assert mail.subject != throttle_subject_in_english()


def throttle_subject_in_english() -> str:
    from puerta.accounts.service import PAUSED_SUBJECT

    return PAUSED_SUBJECT.text


def test_a_pause_never_outlasts_fifteen_minutes_and_a_new_password_ends_it(api: Api) -> None:
    """An attacker elsewhere keeps guessing; Ana, at her own address, is slowed at most."""
    api.sign_up_verified("ana@example.org")
    attacker = "203.0.113.7"
    for i in range(100):
        _sign_in(api, "ana@example.org", f"wrong {i}", ip=attacker)
        api.clock.advance(minutes=15, seconds=1)
    assert _sign_in(api, "ana@example.org", PASSWORD).status_code == 201
    # A paused address's guesses are refused uncounted; guesses from many addresses are
    # counted on the account, which pauses Ana too, until she gets a new password.
    for i in range(20):
        _sign_in(api, "ana@example.org", f"wrong {i}", ip=f"198.51.100.{i}")
    assert _sign_in(api, "ana@example.org", PASSWORD).status_code == 429
    api.client.post("/api/v1/accounts/password/forgot", json={"email": "ana@example.org"})
    reset = api.client.post(
        "/api/v1/accounts/password/reset",
        json={
            "email": "ana@example.org",
            "code": last_code(api.db, "ana@example.org"),
            "password": "a brand new passphrase",
        },
    )
    assert reset.status_code == 200, reset.text
    assert _sign_in(api, "ana@example.org", "a brand new passphrase").status_code == 201


def test_one_address_guessing_many_accounts_is_paused_and_others_are_not(api: Api) -> None:
    for i in range(8):
        api.staff(f"o{i}@example.org", Role.OFFICER, "SYS")
    codes = []
    for n in range(40):
        codes.append(
            _sign_in(api, f"o{n % 8}@example.org", f"guess {n}", ip="10.0.0.9").status_code
        )
    assert 429 in codes[throttle.ADDRESS_FREE :]
    assert _sign_in(api, "o0@example.org", "guess", ip="10.0.0.9").status_code == 429
    # The same accounts from another address are still only counted per account.
    api.clock.advance(minutes=16)
    assert _sign_in(api, "o1@example.org", "officer pass 1", ip="10.0.0.1").status_code == 201


def test_the_sign_in_page_says_to_wait_with_429(api: Api) -> None:
    import re

    api.sign_up_verified("ana@example.org")
    for i in range(5):
        _sign_in(api, "ana@example.org", f"wrong {i}")
    form = api.client.get("/sign-in", headers={"Accept": "text/html"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    r = api.client.post(
        "/sign-in",
        data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token},
        headers={"Accept": "text/html"},
    )
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "60"
    assert "Too many wrong passwords" in r.text
    assert 'value="ana@example.org"' in r.text  # what was typed, never the password
