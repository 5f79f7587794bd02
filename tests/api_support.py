"""Journey fixtures (an app over the parametrised ``db``) and helpers, shared by the API tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from puerta.accounts import second_factor
from puerta.accounts import service as accounts_service
from puerta.accounts.models import OutboxMessage, Role
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.ports import service as ports_service
from puerta.pow import service as pow_service
from puerta.web.app import create_app

TIJUANA = {"latitude": 32.5149, "longitude": -117.0382}
STAFF_PASSWORD = "officer pass 1"
#: The second factor of the tests' staff accounts (``Api.create_staff``).
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
HTML = {"Accept": "text/html"}


def form_token(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def traveler(**overrides: Any) -> dict[str, Any]:
    data = {
        "given_names": "Ana Lucía",
        "family_names": "Morales Pérez",
        "date_of_birth": "1990-05-17",
        "sex": "F",
        "country_of_birth": "VE",
        "citizenship": "VEN",
        "language": "es",
        "phone": "+52 664 123 4567",
        "email": "ana@example.org",
        "address_line1": "123 Main St",
        "address_line2": "Apt 4",
        "city": "Houston",
        "state": "TX",
        "zip_code": "77002",
    }
    data.update(overrides)
    return data


def portrait_for(rid: str, position: int) -> bytes:
    """The registration photo of one traveler: a stable digest of who it is (``hash()``
    changes with PYTHONHASHSEED), offset past the small seeds the tests use for live
    photos, so that a live photo never is an enrolled one by chance."""
    digest = hashlib.blake2b(f"{rid}/{position}".encode(), digest_size=8).digest()
    return synthetic_portrait(10**6 + int.from_bytes(digest, "big") % 10**6)


#: The posts that need a solved proof of work: the API's in ``X-Altcha``, the pages' in
#: the form's ``altcha`` field (``puerta.pow``).
PROVED_API = {"/api/v1/accounts", "/api/v1/registrations"}
PROVED_PAGES = {"/account/new", "/register/check"}


def solved(client: TestClient) -> str:
    """A challenge fetched from the app and solved as an API client does (the test
    settings make it a counter below 4)."""
    r = client.get("/api/v1/challenge")
    assert r.status_code == 200, r.text
    return pow_service.solve(r.json())


def proving(client: TestClient) -> TestClient:
    """``client`` with a fresh solved challenge on every sign-up and registration it posts
    that does not bring its own (an ``X-Altcha`` header, an ``altcha`` field): the app's own
    challenge, signed with its key and solved, so the server's check runs in full and
    nothing in it is switched off for tests. Tests of the check itself send their own."""
    app = client.app

    def prove(request: httpx.Request) -> None:
        if request.method != "POST":
            return
        path = request.url.path
        if path not in PROVED_API | PROVED_PAGES:
            return
        issued = pow_service.issue(settings=app.state.settings, clock=app.state.clock)
        payload = pow_service.solve(issued)
        if path in PROVED_API:
            if pow_service.HEADER not in request.headers:
                request.headers[pow_service.HEADER] = payload
            return
        body = request.read()
        if pow_service.FIELD in parse_qs(body.decode(), keep_blank_values=True):
            return
        body += (b"&" if body else b"") + urlencode({pow_service.FIELD: payload}).encode()
        request.stream = httpx.ByteStream(body)
        request._content = body
        request.headers["Content-Length"] = str(len(body))
        request.headers["Content-Type"] = "application/x-www-form-urlencoded"

    client.event_hooks = {**client.event_hooks, "request": [*client.event_hooks["request"], prove]}
    return client


@pytest.fixture
def app_db(db: Database, settings: Settings) -> Database:
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
    return db


@pytest.fixture
def client(app_db: Database, settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    app = create_app(settings, db=app_db, clock=clock)
    with TestClient(app, base_url="https://testserver") as c:
        yield proving(c)


def last_code(db: Database, email: str) -> str:
    """The six-digit code of the last mail to ``email`` (verification or a new password)."""
    with db.session() as s:
        body = s.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id)
        ).all()[-1]
    return re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]


@dataclass
class Api:
    """Small steps of the journey, so tests read like the story they tell."""

    client: TestClient
    db: Database
    clock: FrozenClock

    def sign_up_verified(self, email: str, password: str = "correct horse battery") -> str:
        r = self.client.post("/api/v1/accounts", json={"email": email, "password": password})
        assert r.status_code == 201, r.text
        code = last_code(self.db, email)
        r = self.client.post("/api/v1/accounts/verify", json={"email": email, "code": code})
        assert r.status_code == 200, r.text
        return self.sign_in(email, password)

    def sign_in(self, email: str, password: str) -> str:
        """An API token; a staff account's session is given its second factor too."""
        r = self.client.post("/api/v1/sessions", json={"email": email, "password": password})
        assert r.status_code == 201, r.text
        self.client.cookies.clear()  # API style: bearer tokens, no cookie
        token = r.json()["token"]
        if r.json().get("second_factor") == "required":
            given = self.client.post(
                "/api/v1/sessions/current/second-factor",
                json={"code": self.totp_code(email)},
                headers=self.auth(token),
            )
            assert given.status_code == 200, given.text
        return token

    def staff(self, email: str, role: Role, port: str | None = None) -> str:
        """A new staff account's API token (password and second factor given)."""
        self.create_staff(email, role, port)
        return self.sign_in(email, STAFF_PASSWORD)

    def create_staff(
        self, email: str, role: Role, port: str | None = None, *, enrolled: bool = True
    ) -> None:
        """A staff account with the password ``STAFF_PASSWORD`` and, unless ``enrolled``
        is False, a TOTP second factor of the secret ``STAFF_TOTP_SECRET``."""
        with self.db.session() as s:
            user = accounts_service.create_staff(
                s,
                email=email,
                password=STAFF_PASSWORD,
                role=role,
                port_code=port,
                clock=self.clock,
            )
            if enrolled:
                second_factor.enrol_with_secret(
                    s, user=user, secret=STAFF_TOTP_SECRET, settings=self.settings, clock=self.clock
                )

    @property
    def settings(self) -> Settings:
        return self.client.app.state.settings  # type: ignore[attr-defined,no-any-return]

    def totp_code(self, email: str) -> str:
        """A code of ``email``'s factor that the app will take now: the earliest time step
        near the (frozen) clock that is newer than the last one used. When a test signs
        one account in more often than the steps allow at one frozen instant, the last
        used step is moved back first (here only: the app never does)."""
        now = second_factor.step_at(self.clock.now())
        with self.db.session() as s:
            user = accounts_service.find_user(s, email)
            assert user is not None, email
            factor = second_factor.factor_of(s, user.id)
            assert factor is not None, f"{email} has no second factor"
            last = factor.last_step
            if last is not None and last >= now + second_factor.DRIFT_STEPS:
                factor.last_step = last = now - second_factor.DRIFT_STEPS - 1
            secret = second_factor.secret_of(factor, self.settings)
        step = max(now - second_factor.DRIFT_STEPS, (last if last is not None else -1) + 1)
        return pyotp.TOTP(secret).generate_otp(step)

    def staff_pages(self, email: str, role: Role, port: str | None = None) -> str:
        """A new staff account signed in through the staff pages (``/staff/sign-in``, then
        its code): the client keeps its session cookie. Returns the session's CSRF token,
        which staff pages' forms carry."""
        self.create_staff(email, role, port)
        return self.sign_in_staff_pages(email)

    def sign_in_staff_pages(self, email: str, password: str = "") -> str:
        form = self.client.get("/staff/sign-in", headers=HTML)
        assert form.status_code == 200, form.text
        done = self.client.post(
            "/staff/sign-in",
            data={
                "email": email,
                "password": password or STAFF_PASSWORD,
                "csrf_token": form_token(form.text),
            },
            headers=HTML,
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        self.give_second_factor_page(email, done.headers["location"])
        home = self.client.get("/staff", headers=HTML)
        assert home.status_code == 200, home.text
        return form_token(home.text)

    def give_second_factor_page(self, email: str, location: str) -> str:
        """The code step of the staff pages (``location``: where the password step sent
        the browser); where it sends the browser next."""
        assert location.startswith("/staff/second-factor"), location
        step = self.client.get(location, headers=HTML)
        assert step.status_code == 200, step.text
        given = self.client.post(
            "/staff/second-factor",
            data={
                "code": self.totp_code(email),
                "next": parse_qs(location.partition("?")[2]).get("next", ["/staff"])[0],
                "csrf_token": form_token(step.text),
            },
            headers=HTML,
            follow_redirects=False,
        )
        assert given.status_code == 303, given.text
        return given.headers["location"]

    def partner(self, email: str, organisation: str = "Casa del Migrante (synthetic)") -> str:
        """A partner account's token, its organisation made on first use (by name)."""
        from puerta.partners import service as partners_service
        from puerta.partners.models import PartnerOrganisation

        with self.db.session() as s:
            org = s.scalar(
                select(PartnerOrganisation).where(PartnerOrganisation.name == organisation)
            )
            if org is None:
                inbox = "intake@" + organisation.split()[0].lower() + ".example"
                org = partners_service.create_organisation(
                    s, name=organisation, inbox=inbox, clock=self.clock
                )
            partners_service.create_partner_user(
                s, organisation_id=org.id, email=email, password="partner pass 1", clock=self.clock
            )
        return self.sign_in(email, "partner pass 1")

    @staticmethod
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def registration(self, token: str, travelers: int = 1, photos: bool = True) -> str:
        body = {"travelers": [traveler(given_names=f"Ana {i}") for i in range(travelers)]}
        r = self.client.post("/api/v1/registrations", json=body, headers=self.auth(token))
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        if photos:
            for i in range(travelers):
                self.photo(token, rid, i, portrait_for(rid, i))
        return rid

    def photo(self, token: str, rid: str, position: int, data: bytes) -> Any:
        return self.client.put(
            f"/api/v1/registrations/{rid}/travelers/{position}/photo",
            files={"photo": ("me.png", data, "image/png")},
            headers=self.auth(token),
        )

    def request(self, token: str, rid: str, port: str = "SYS", **where: float) -> Any:
        body = {"port_code": port, **(where or TIJUANA)}
        return self.client.post(
            f"/api/v1/registrations/{rid}/requests", json=body, headers=self.auth(token)
        )


@pytest.fixture
def api(client: TestClient, app_db: Database, clock: FrozenClock) -> Api:
    return Api(client, app_db, clock)
