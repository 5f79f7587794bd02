"""Who may see what: applicants their own, officers their port, CSRF on cookie writes."""

from __future__ import annotations

from datetime import date

from puerta.accounts.models import Role
from puerta.config import Settings
from tests.api.test_journey import run_draw
from tests.api_support import Api, traveler


def test_applicant_cannot_read_anothers_registration(api: Api) -> None:
    alice = api.sign_up_verified("alice@example.org")
    bob = api.sign_up_verified("bob@example.org")
    rid = api.registration(alice)
    for path in ("", "/status", "/requests", "/selection", "/appointment"):
        r = api.client.get(f"/api/v1/registrations/{rid}{path}", headers=api.auth(bob))
        assert r.status_code == 404, (path, r.text)
    r = api.client.post(f"/api/v1/registrations/{rid}/withdraw", headers=api.auth(bob))
    assert r.status_code == 404
    r = api.client.put(
        f"/api/v1/registrations/{rid}/travelers/0", json=traveler(), headers=api.auth(bob)
    )
    assert r.status_code == 404


def test_officer_sees_only_own_port(api: Api, settings: Settings) -> None:
    token = api.sign_up_verified("t@example.org")
    rid = api.registration(token)
    api.request(token, rid, "ELP")
    run_draw(api, settings)
    from puerta.demo import synthetic_portrait
    from tests.api_support import TIJUANA

    r = api.client.post(
        f"/api/v1/registrations/{rid}/selection/confirm",
        files={"live_photo": ("l.png", synthetic_portrait(99), "image/png")},
        data={k: str(v) for k, v in TIJUANA.items()},
        headers=api.auth(token),
    )
    code = r.json()["code"]
    sys_officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    elp_officer = api.staff("o@elp.example", Role.OFFICER, "ELP")
    analyst = api.staff("a@hq.example", Role.ANALYST)
    day = {"date": date(2026, 3, 18).isoformat()}
    assert (
        api.client.get(
            "/api/v1/ports/ELP/appointments", params=day, headers=api.auth(sys_officer)
        ).status_code
        == 403
    )
    assert (
        api.client.get(f"/api/v1/appointments/{code}", headers=api.auth(sys_officer)).status_code
        == 404
    )
    assert (
        len(
            api.client.get(
                "/api/v1/ports/ELP/appointments", params=day, headers=api.auth(elp_officer)
            ).json()
        )
        == 1
    )
    assert (
        api.client.get(f"/api/v1/appointments/{code}", headers=api.auth(analyst)).status_code == 200
    )
    # An applicant is not staff at all.
    assert (
        api.client.get(
            "/api/v1/ports/ELP/appointments", params=day, headers=api.auth(token)
        ).status_code
        == 403
    )


def test_staff_cannot_use_applicant_endpoints(api: Api) -> None:
    officer = api.staff("o2@sys.example", Role.OFFICER, "SYS")
    r = api.client.post(
        "/api/v1/registrations", json={"travelers": [traveler()]}, headers=api.auth(officer)
    )
    assert r.status_code == 403


def test_sign_in_errors_and_sign_out(api: Api) -> None:
    token = api.sign_up_verified("s@example.org")
    wrong = api.client.post(
        "/api/v1/sessions", json={"email": "s@example.org", "password": "nope nope"}
    )
    assert wrong.status_code == 401
    unknown = api.client.post(
        "/api/v1/sessions", json={"email": "x@example.org", "password": "nope nope"}
    )
    assert unknown.status_code == 401
    assert unknown.json() == wrong.json()
    assert wrong.json()["code"] == "auth.wrong_credentials"
    assert api.client.get("/api/v1/me", headers=api.auth(token)).status_code == 200
    assert api.client.delete("/api/v1/sessions/current", headers=api.auth(token)).status_code == 204
    assert api.client.get("/api/v1/me", headers=api.auth(token)).status_code == 401


def test_signup_rules(api: Api) -> None:
    r = api.client.post("/api/v1/accounts", json={"email": "p@example.org", "password": "short"})
    assert r.status_code == 422
    assert (r.json()["code"], r.json()["field"]) == ("account.password_too_short", "password")
    assert r.json()["params"] == {"min_length": 8}
    r = api.client.post(
        "/api/v1/accounts", json={"email": "p@example.org", "password": "password123"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "account.password_too_common"
    ok = api.client.post(
        "/api/v1/accounts", json={"email": "P@Example.org", "password": "long enough pass"}
    )
    assert ok.status_code == 201
    assert ok.json()["email_verified"] is False
    dup = api.client.post(
        "/api/v1/accounts", json={"email": "p@example.org", "password": "long enough pass"}
    )
    assert dup.status_code == 409
    wrong = api.client.post(
        "/api/v1/accounts/verify", json={"email": "p@example.org", "code": "000000"}
    )
    assert wrong.status_code == 422
    token = api.sign_in("p@example.org", "long enough pass")
    unverified = api.client.post(
        "/api/v1/registrations", json={"travelers": [traveler()]}, headers=api.auth(token)
    )
    assert unverified.status_code == 403


def test_cookie_session_needs_csrf_for_writes(api: Api) -> None:
    api.sign_up_verified("c@example.org")
    r = api.client.post(
        "/api/v1/sessions", json={"email": "c@example.org", "password": "correct horse battery"}
    )
    csrf = r.json()["csrf_token"]
    assert "__Host-puerta_session" in api.client.cookies
    cookie_header = r.headers["set-cookie"].lower()
    assert "secure" in cookie_header
    assert "httponly" in cookie_header
    assert "samesite" in cookie_header
    assert api.client.get("/api/v1/me").status_code == 200  # reads need no token
    body = {"travelers": [traveler()]}
    refused = api.client.post("/api/v1/registrations", json=body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.csrf"
    ok = api.client.post("/api/v1/registrations", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
