"""Forgot password: a code by email, the sign-up rules for the new password, sessions end."""

from __future__ import annotations

from tests.api_support import Api, last_code

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


def test_a_forgotten_password_is_reset_with_the_emailed_code(api: Api) -> None:
    token = api.sign_up_verified("ana@example.org", PASSWORD)
    unknown = api.client.post("/api/v1/accounts/password/forgot", json={"email": "no@x.org"})
    asked = api.client.post("/api/v1/accounts/password/forgot", json={"email": "ana@example.org"})
    assert (asked.status_code, unknown.status_code) == (202, 202)
    assert asked.json() == unknown.json()  # the answer does not tell who has an account
    code = last_code(api.db, "ana@example.org")
    weak = api.client.post(
        "/api/v1/accounts/password/reset",
        json={"email": "ana@example.org", "code": code, "password": "short"},
    )
    assert (weak.status_code, weak.json()["code"]) == (422, "account.password_too_short")
    done = api.client.post(
        "/api/v1/accounts/password/reset",
        json={"email": "ana@example.org", "code": code, "password": NEW},
    )
    assert done.status_code == 200, done.text
    gone = api.client.get("/api/v1/me", headers=api.auth(token))
    assert gone.status_code == 401  # the old session ended with the old password
    old = api.client.post(
        "/api/v1/sessions", json={"email": "ana@example.org", "password": PASSWORD}
    )
    assert old.status_code == 401
    assert api.sign_in("ana@example.org", NEW)
    again = api.client.post(
        "/api/v1/accounts/password/reset",
        json={"email": "ana@example.org", "code": code, "password": "yet another phrase"},
    )
    assert (again.status_code, again.json()["code"]) == (422, "account.code_wrong")  # spent


def test_five_wrong_codes_spend_the_code(api: Api) -> None:
    api.sign_up_verified("ana@example.org", PASSWORD)
    api.client.post("/api/v1/accounts/password/forgot", json={"email": "ana@example.org"})
    code = last_code(api.db, "ana@example.org")
    wrong = "000000" if code != "000000" else "111111"
    body = {"email": "ana@example.org", "password": NEW}
    answers = [
        api.client.post("/api/v1/accounts/password/reset", json={**body, "code": wrong}).json()[
            "code"
        ]
        for _ in range(5)
    ]
    assert answers == ["account.code_wrong"] * 5
    late = api.client.post("/api/v1/accounts/password/reset", json={**body, "code": code})
    assert (late.status_code, late.json()["code"]) == (429, "account.code_attempts_exhausted")
