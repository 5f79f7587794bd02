"""The proof of work over HTTP: the challenge endpoint, the API's sign-up and registration
with ``X-Altcha``, each refusal as problem+json, and the pages' widget and messages."""

from __future__ import annotations

import base64
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from puerta.accounts.models import User
from puerta.clock import FrozenClock
from puerta.pow import service as pow_service
from puerta.registration.models import Registration
from tests.api_support import Api, solved, traveler

HTML = {"Accept": "text/html"}
ACCOUNT = {"email": "ana@example.org", "password": "correct horse battery"}
COOKIE = "__Host-puerta_session"


def _users(api: Api) -> int:
    with api.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(User)) or 0)


def _refused(r, code: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (body["code"], body["type"], body["field"]) == (
        code,
        "/problems/proof-of-work",
        "altcha",
    )
    assert body["detail"]


def _tampered(payload: str, change) -> str:  # type: ignore[no-untyped-def]
    data = json.loads(base64.b64decode(payload))
    change(data)
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_the_challenge_is_public_signed_and_never_cached(api: Api) -> None:
    r = api.client.get("/api/v1/challenge")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert set(body) == {"parameters", "signature"}
    assert body["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert r.json() != api.client.get("/api/v1/challenge").json()  # a new one each time


def test_a_solved_challenge_opens_the_api_s_sign_up(api: Api) -> None:
    r = api.client.post("/api/v1/accounts", json=ACCOUNT, headers={"X-Altcha": solved(api.client)})
    assert r.status_code == 201, r.text
    assert _users(api) == 1


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("", "challenge.missing"),
        ("bm90IGpzb24=", "challenge.malformed"),
        ("not base64!", "challenge.malformed"),
    ],
)
def test_a_sign_up_without_a_good_proof_is_refused_and_writes_nothing(
    api: Api, sent: str, code: str
) -> None:
    r = api.client.post("/api/v1/accounts", json=ACCOUNT, headers={"X-Altcha": sent})
    _refused(r, code)
    assert _users(api) == 0


def test_a_wrong_solution_is_refused(api: Api) -> None:
    wrong = _tampered(solved(api.client), lambda d: d["solution"].update(counter=99))
    _refused(
        api.client.post("/api/v1/accounts", json=ACCOUNT, headers={"X-Altcha": wrong}),
        "challenge.wrong",
    )
    longer = _tampered(
        solved(api.client), lambda d: d["challenge"]["parameters"]["data"].update(expires=2**40)
    )
    _refused(
        api.client.post("/api/v1/accounts", json=ACCOUNT, headers={"X-Altcha": longer}),
        "challenge.wrong",
    )
    assert _users(api) == 0


def test_an_expired_solution_is_refused_on_the_app_s_clock(api: Api, clock: FrozenClock) -> None:
    payload = solved(api.client)
    clock.advance(seconds=api.client.app.state.settings.pow_expiry_seconds)
    r = api.client.post("/api/v1/accounts", json=ACCOUNT, headers={"X-Altcha": payload})
    _refused(r, "challenge.expired")
    assert _users(api) == 0


def test_a_solution_is_accepted_once_across_sign_up_and_registration(api: Api) -> None:
    payload = solved(api.client)
    made = api.client.post("/api/v1/accounts", json=ACCOUNT, headers={"X-Altcha": payload})
    assert made.status_code == 201
    again = {"email": "bo@example.org", "password": "correct horse battery"}
    _refused(
        api.client.post("/api/v1/accounts", json=again, headers={"X-Altcha": payload}),
        "challenge.replayed",
    )
    token = api.sign_up_verified("cy@example.org")
    r = api.client.post(
        "/api/v1/registrations",
        json={"travelers": [traveler()]},
        headers={**api.auth(token), "X-Altcha": payload},
    )
    _refused(r, "challenge.replayed")


def test_a_refused_sign_up_does_not_spend_its_solution(api: Api) -> None:
    payload = solved(api.client)
    weak = {"email": "ana@example.org", "password": "short"}
    r = api.client.post("/api/v1/accounts", json=weak, headers={"X-Altcha": payload})
    assert r.json()["code"] == "account.password_too_short"
    r = api.client.post("/api/v1/accounts", json=ACCOUNT, headers={"X-Altcha": payload})
    assert r.status_code == 201, r.text


def test_a_registration_needs_its_own_proof(api: Api) -> None:
    token = api.sign_up_verified("ana@example.org")
    body = {"travelers": [traveler()]}
    r = api.client.post(
        "/api/v1/registrations", json=body, headers={**api.auth(token), "X-Altcha": ""}
    )
    _refused(r, "challenge.missing")
    with api.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 0
    r = api.client.post(
        "/api/v1/registrations",
        json=body,
        headers={**api.auth(token), "X-Altcha": solved(api.client)},
    )
    assert r.status_code == 201, r.text


def test_the_refusal_is_in_the_reader_s_language(api: Api) -> None:
    r = api.client.post(
        "/api/v1/accounts",
        json=ACCOUNT,
        headers={"X-Altcha": "", "Accept-Language": "es"},
    )
    assert r.headers["content-language"] == "es"


def test_the_openapi_document_names_the_header_and_the_challenge(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert "get" in spec["paths"]["/api/v1/challenge"]
    for path in ("/api/v1/accounts", "/api/v1/registrations"):
        names = [p["name"] for p in spec["paths"][path]["post"]["parameters"]]
        assert "X-Altcha" in names, path


# --- the pages -----------------------------------------------------------------------------


def _form(client: TestClient, path: str) -> str:
    page = client.get(path, headers=HTML)
    assert page.status_code == 200, page.text[:300]
    return page.text


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_sign_up_page_carries_the_widget_and_says_it_needs_javascript(api: Api) -> None:
    html = _form(api.client, "/account/new")
    widget = re.search(r"<altcha-widget[^>]*>", html).group(0)  # type: ignore[union-attr]
    assert 'challenge="/api/v1/challenge"' in widget  # Puerta's own endpoint
    assert 'name="altcha"' in widget
    assert 'data-worker="/static/vendor/altcha-3.2.2/pbkdf2.js"' in widget
    assert "<noscript>" in html.split('id="altcha"')[1].split("</altcha-widget>")[0]
    assert "This step needs JavaScript" in html
    for asset in ("altcha.min.js", "altcha.css", "pbkdf2.js", "LICENSE.txt", "SOURCE.txt"):
        assert api.client.get(f"/static/vendor/altcha-3.2.2/{asset}").status_code == 200
    assert api.client.get("/static/proof.js").status_code == 200


def test_a_sign_up_page_without_the_check_says_so_and_keeps_what_was_typed(api: Api) -> None:
    html = _form(api.client, "/account/new")
    r = api.client.post(
        "/account/new",
        data={**ACCOUNT, "language": "en", "csrf_token": _token(html), "altcha": ""},
        headers=HTML,
    )
    assert r.status_code == 400
    assert 'value="ana@example.org"' in r.text
    assert "Your browser has not finished its check" in r.text
    assert 'href="#altcha"' in r.text  # the summary links to the check
    assert _users(api) == 0


def test_a_replayed_check_on_the_page_is_refused_plainly(api: Api) -> None:
    payload = solved(api.client)
    assert (
        api.client.post("/api/v1/accounts", json=ACCOUNT, headers={"X-Altcha": payload}).status_code
        == 201
    )
    html = _form(api.client, "/account/new")
    r = api.client.post(
        "/account/new",
        data={
            "email": "bo@example.org",
            "password": "correct horse battery",
            "language": "en",
            "csrf_token": _token(html),
            "altcha": payload,
        },
        headers=HTML,
    )
    assert r.status_code == 400
    assert "This check was already used" in r.text
    assert 'value="bo@example.org"' in r.text
    assert _users(api) == 1


def test_sending_a_registration_on_the_page_needs_the_check(api: Api) -> None:
    token = api.sign_up_verified("ana@example.org")
    api.client.cookies.set(COOKIE, token)
    form = _form(api.client, "/register/travelers/new")
    fields = {**{k: v for k, v in traveler().items() if k not in ("date_of_birth", "phone")}}
    fields |= {
        "dob_day": "17",
        "dob_month": "5",
        "dob_year": "1990",
        "phone_region": "MX",
        "phone_number": "664 123 4567",
        "csrf_token": _token(form),
    }
    added = api.client.post(
        "/register/travelers/new", data=fields, headers=HTML, follow_redirects=False
    )
    assert added.status_code == 303, added.text[:500]
    check = _form(api.client, "/register/check")
    assert "<altcha-widget" in check
    r = api.client.post(
        "/register/check", data={"csrf_token": _token(check), "altcha": ""}, headers=HTML
    )
    assert r.status_code == 400
    assert "Your browser has not finished its check" in r.text
    assert "Ana Lucía" in r.text  # the travelers are still there to send
    sent = api.client.post(
        "/register/check",
        data={
            "csrf_token": _token(check),
            "altcha": pow_service.solve(api.client.get("/api/v1/challenge").json()),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]


def test_the_scheduler_forgets_spent_proofs_once_they_expire(api: Api, clock: FrozenClock) -> None:
    from puerta.pow.models import SpentChallenge
    from puerta.web import scheduler

    api.sign_up_verified("ana@example.org")
    assert not any("proofs of work" in line for line in scheduler.run_once(api.client.app))  # type: ignore[arg-type]
    clock.advance(seconds=api.client.app.state.settings.pow_expiry_seconds + 1)
    assert "forgot 1 expired proofs of work" in scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    with api.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SpentChallenge)) == 0
