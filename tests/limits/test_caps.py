"""The caps at the door, through the API and the pages, on both limits stores.

Tight rates here (two a day per device, three an hour per address) so that a test
reaches them in a few attempts; ``test_the_defaults_leave_a_shelter_room`` runs the
shipped defaults.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from puerta.accounts.models import OutboxMessage, User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.limits.store import DatabaseStore, LimitStore
from puerta.registration.models import Registration
from puerta.web.app import create_app
from puerta.web.device import DEVICE_COOKIE
from tests.api_support import Api, proving, traveler
from tests.conftest import LOW_WORK

HTML = {"Accept": "text/html"}
TIGHT = {
    "sign_up_limit_per_device": "2/day",
    "sign_up_limit_per_address": "3/hour",
    "registration_limit_per_device": "2/day",
    "registration_limit_per_address": "3/hour",
}
PROBLEM = "application/problem+json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var", secret_key="test-secret", _env_file=None, **TIGHT, **LOW_WORK
    )


@pytest.fixture
def client(
    app_db: Database, settings: Settings, clock: FrozenClock, limit_store: LimitStore
) -> Iterator[TestClient]:
    app = create_app(settings, db=app_db, clock=clock, limits=limit_store)
    with TestClient(app, base_url="https://testserver") as c:
        yield proving(c)


def _sign_up(client: TestClient, email: str, device: str | None = None, **headers: str):  # type: ignore[no-untyped-def]
    body = {"email": email, "password": "correct horse battery"}
    if device:
        body["device_id"] = device
    return client.post("/api/v1/accounts", json=body, headers=headers)


def _users(db: Database) -> set[str]:
    with db.session() as s:
        return set(s.scalars(select(User.email)))


def _assert_capped(r, code: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) > 0
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == code


# --- sign-ups -------------------------------------------------------------------------------


def test_sign_ups_are_capped_per_device(client: TestClient, app_db: Database) -> None:
    for n in (1, 2):
        assert _sign_up(client, f"p{n}@example.org", "phone-1").status_code == 201
    r = _sign_up(client, "p3@example.org", "phone-1", **{"Accept-Language": "es"})
    _assert_capped(r, "limit.sign_ups")
    assert r.headers["Content-Language"] == "es"
    assert r.json()["title"] == "Demasiados intentos"  # the person's language
    assert r.json()["params"]["minutes"] >= 1
    # A refused sign-up writes nothing: no account, no mail.
    assert "p3@example.org" not in _users(app_db)
    with app_db.session() as s:
        assert (
            s.scalar(select(func.count()).where(OutboxMessage.to_address == "p3@example.org")) == 0
        )
    # Another device at the same address is not refused.
    assert _sign_up(client, "p4@example.org", "phone-2").status_code == 201


def test_sign_ups_are_capped_per_address(client: TestClient, app_db: Database) -> None:
    for n in (1, 2, 3):
        assert _sign_up(client, f"a{n}@example.org", f"phone-{n}").status_code == 201
    _assert_capped(_sign_up(client, "a4@example.org", "phone-4"), "limit.sign_ups")
    _assert_capped(_sign_up(client, "a5@example.org"), "limit.sign_ups")  # no device: the address
    assert _users(app_db) == {f"a{n}@example.org" for n in (1, 2, 3)}


@pytest.mark.parametrize("limits_backend", ["database"])  # Redis counts every attempt
def test_a_failed_sign_up_is_not_counted(client: TestClient) -> None:
    """In the database store the count is in the request's transaction: an email already
    taken rolls it back with the rest, so mistakes do not use up a device's cap."""
    assert _sign_up(client, "taken@example.org", "phone-1").status_code == 201
    for _ in range(3):
        assert _sign_up(client, "taken@example.org", "phone-1").status_code == 409
    assert _sign_up(client, "second@example.org", "phone-1").status_code == 201


def test_the_sign_up_page_shows_the_cap_over_the_form_as_typed(
    client: TestClient, app_db: Database
) -> None:
    form = client.get("/account/new", headers=HTML)
    device = form.cookies.get(DEVICE_COOKIE) or client.cookies.get(DEVICE_COOKIE)
    assert device

    def post(email: str):  # type: ignore[no-untyped-def]
        page = client.get("/account/new", headers=HTML)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        data = {"email": email, "password": "correct horse battery", "language": "es"}
        return client.post(
            "/account/new", data={**data, "csrf_token": token}, headers=HTML, follow_redirects=False
        )

    assert post("w1@example.org").status_code == 303
    assert post("w2@example.org").status_code == 303
    assert client.cookies.get(DEVICE_COOKIE) == device  # one device throughout
    r = post("w3@example.org")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "error-summary" in r.text
    assert "Many accounts were made from this network or this device" in r.text
    assert 'value="w3@example.org"' in r.text  # what was typed is kept
    assert "correct horse battery" not in r.text  # never the password
    assert "w3@example.org" not in _users(app_db)


def test_the_defaults_leave_a_shelter_room(
    app_db: Database, tmp_path: Path, clock: FrozenClock
) -> None:
    """A shelter: many people, one address, each with a phone of their own. The shipped
    defaults let them all in and stop one phone making account after account."""
    defaults = Settings(data_dir=tmp_path / "d", secret_key="s", _env_file=None, **LOW_WORK)
    app = create_app(defaults, db=app_db, clock=clock, limits=DatabaseStore("s"))
    with TestClient(app, base_url="https://testserver") as raw:
        shelter = proving(raw)
        for n in range(12):
            assert _sign_up(shelter, f"s{n}@example.org", f"phone-{n}").status_code == 201
        for n in range(5):
            assert _sign_up(shelter, f"bot{n}@example.org", "one-phone").status_code == 201
        _assert_capped(_sign_up(shelter, "bot5@example.org", "one-phone"), "limit.sign_ups")


# --- registrations --------------------------------------------------------------------------


def _register(api: Api, token: str, device: str | None = None):  # type: ignore[no-untyped-def]
    body: dict = {"travelers": [traveler()]}
    if device:
        body["device_id"] = device
    return api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))


def _registrations(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Registration)) or 0


def test_registrations_are_capped_per_device(api: Api, app_db: Database) -> None:
    token = api.sign_up_verified("owner@example.org")
    assert _register(api, token, "phone-7").status_code == 201
    assert _register(api, token, "phone-7").status_code == 201
    r = _register(api, token, "phone-7")
    _assert_capped(r, "limit.registrations")
    assert _registrations(app_db) == 2  # the refused one wrote nothing
    assert _register(api, token, "phone-8").status_code == 201


def test_registrations_are_capped_per_address(api: Api, app_db: Database) -> None:
    token = api.sign_up_verified("owner@example.org")
    for n in (1, 2, 3):
        assert _register(api, token, f"phone-{n}").status_code == 201
    _assert_capped(_register(api, token, "phone-4"), "limit.registrations")
    _assert_capped(_register(api, token), "limit.registrations")
    assert _registrations(app_db) == 3


ANA = {
    "given_names": "Ana Lucía",
    "family_names": "Morales Pérez",
    "dob_day": "27",
    "dob_month": "3",
    "dob_year": "1990",
    "sex": "F",
    "country_of_birth": "HN",
    "citizenship": "HN",
    "language": "es",
    "phone_region": "MX",
    "phone_number": "55 1234 5678",
    "email": "",
    "address_line1": "100 Shelter Way",
    "address_line2": "",
    "city": "San Diego",
    "state": "CA",
    "zip_code": "92101",
}


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_registration_page_keeps_the_answers_over_the_cap(api: Api, app_db: Database) -> None:
    """Two registrations from the browser's device, then the third is refused: its check
    page comes back with the traveler still listed, and sending later works."""
    token = api.sign_up_verified("page@example.org")
    browser = api.client
    browser.cookies.set("__Host-puerta_session", token)

    def register_one(given: str):  # type: ignore[no-untyped-def]
        form = browser.get("/register/travelers/new", headers=HTML)
        added = browser.post(
            "/register/travelers/new",
            data={**ANA, "given_names": given, "csrf_token": _token(form.text)},
            headers=HTML,
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text[:500]
        check = browser.get("/register/check", headers=HTML)
        return browser.post(
            "/register/check",
            data={"csrf_token": _token(check.text)},
            headers=HTML,
            follow_redirects=False,
        )

    assert register_one("Ana").status_code == 303
    assert register_one("Beto").status_code == 303
    device = browser.cookies.get(DEVICE_COOKIE)
    with app_db.session() as s:
        assert set(s.scalars(select(Registration.device_id))) == {device}  # recorded
    r = register_one("Carla")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "Nothing you entered is lost" in r.text
    assert "Carla" in r.text  # the answers, shown again
    assert _registrations(app_db) == 2
    again = browser.get("/register/check", headers=HTML)
    assert "Carla" in again.text  # still in the draft


def test_the_openapi_document_lists_the_caps(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/accounts", "/api/v1/registrations"):
        limited = paths[path]["post"]["responses"]["429"]
        assert "application/problem+json" in limited["content"]
