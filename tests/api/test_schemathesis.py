"""Schemathesis on the app's own OpenAPI document: every operation answers only what the
document declares (status, content type, body schema, headers) and never a 5xx.

In-process (Schemathesis' ASGI transport, no network), on a throwaway SQLite file with
the demo world loaded (an applicant with an appointment and an offer, officers, an
analyst, a finding), so that the 200 paths are exercised and not only the 401s: each
operation is called as the least privileged account it admits, and path and query
values are drawn from real ids and dates as well as from the schema. Each example runs
in a savepoint that is rolled back, so a withdrawal or a sign-out does not change what
the next example sees, and the run is deterministic (``derandomize``).

Nothing is excluded: ``/metrics``, ``/healthz``, ``/docs`` and the pages are not in the
document (``include_in_schema=False``), so they are not fuzzed here (``/metrics`` is
Prometheus' text format, not JSON; the pages are HTML for browsers, tested in
``tests/web/`` and ``tests/browser/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.engine import Connection

from puerta import demo, migrate
from puerta.accounts import second_factor
from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role, User
from puerta.arrivals import checkin
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation.models import Appointment
from puerta.db import Database
from puerta.draw.models import Draw, Selection
from puerta.findings import service as findings_service
from puerta.findings.models import Finding
from puerta.lifecycle import Disposition
from puerta.partners import service as partners_service
from puerta.ports import catalogue
from puerta.pow import service as pow_service
from puerta.registration.models import Registration
from puerta.registration.photos import FileSystemPhotoStore
from puerta.requests import service as requests_service
from puerta.web import deps
from puerta.web.app import create_app
from tests.api_support import PROVED_API, TIJUANA, portrait_for, proving, traveler
from tests.conftest import LOW_WORK, SavepointDatabase
from tests.findings.test_findings import cluster

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
#: Small enough that all operations run in about two minutes on two cores.
EXAMPLES = 12
#: 15:00 in New York: the window is open, and the demo's offer (drawn at 11:05) is fresh,
#: its one extension not used.
NOW = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
STAFF_PASSWORD = "fuzzing staff 1"
#: Who calls an operation that admits these roles: the least privileged that sees
#: everything (an analyst sees every port; an officer only their own).
CALLER_ORDER = (Role.APPLICANT, Role.PARTNER, Role.ANALYST, Role.ADMIN, Role.OFFICER)
PARTNER_EMAIL = "intake@shelter.fuzz.example"
#: Real values for path and query parameters, by name: filled by the ``world`` fixture.
KNOWN: dict[str, list[Any]] = {}
#: Path parameters with which the bodies below succeed, by name or by operation: filled
#: by the ``world`` fixture.
GOOD: dict[Any, Any] = {}
#: The statuses each operation answered in this run.
SEEN: dict[str, set[int]] = {}
#: Bodies that succeed, offered beside the generated ones so that the 2xx paths run.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/accounts"): {"email": "new@example.org", "password": "a long passphrase"},
    ("POST", "/api/v1/sessions"): {
        "email": demo.APPLICANT_EMAIL,
        "password": demo.APPLICANT_PASSWORD,
    },
    ("POST", "/api/v1/accounts/verify/resend"): {"email": demo.APPLICANT_EMAIL},
    ("POST", "/api/v1/accounts/password/forgot"): {"email": demo.APPLICANT_EMAIL},
    ("POST", "/api/v1/registrations"): {"travelers": [traveler()]},
    ("PUT", "/api/v1/registrations/{registration_id}/travelers/{position}"): traveler(),
    ("POST", "/api/v1/registrations/{registration_id}/requests"): {"port_code": "SYS", **TIJUANA},
    ("POST", "/api/v1/findings/{finding_id}/review"): {"status": "under_review", "note": "seen"},
    ("POST", "/api/v1/partner/registrations"): {"travelers": [traveler()], "contact": "partner"},
    ("PUT", "/api/v1/partner/registrations/{registration_id}/travelers/{position}"): traveler(
        given_names="Rosa"
    ),
    ("POST", "/api/v1/partner/registrations/{registration_id}/requests"): {
        "port_code": "SYS",
        **TIJUANA,
    },
    ("POST", "/api/v1/admin/partner-organisations"): {
        "name": "Casa Fuzz",
        "inbox": "casa@fuzz.example",
    },
    ("POST", "/api/v1/admin/partner-organisations/{organisation_id}/members"): {
        "email": "second@shelter.fuzz.example",
        "password": "a long passphrase",
    },
}
#: Operations a fuzzer cannot take to a 2xx, and why.
NO_SUCCESS_EXPECTED = {
    "POST /api/v1/accounts/verify": "needs the code mailed to the address",
    "POST /api/v1/accounts/password/reset": "needs the code mailed to the address",
    "POST /api/v1/registrations/{registration_id}/selection/confirm": "needs a live photo",
    "PUT /api/v1/registrations/{registration_id}/travelers/{position}/photo": "needs a photo",
    "PUT /api/v1/partner/registrations/{registration_id}/travelers/{position}/photo": (
        "needs a photo"
    ),
    "POST /api/v1/handover": "needs the handover code shown once to the partner",
    "POST /api/v1/sessions/current/second-factor": (
        "needs a code of the staff account's authenticator app (tests/accounts/ gives one)"
    ),
    "POST /api/v1/partner/registrations/{registration_id}/appointment/cancel": (
        "the partner's person has no appointment in this world (tests/partners/ books one)"
    ),
    "GET /api/v1/registrations/{registration_id}/selection/scan": (
        "needs a live photo waiting in the vendor's queue (tests/confirmation/test_queue.py)"
    ),
}
#: The check-in and disposition operations (#14 dispositions): paths under one port.
ARRIVAL = "/api/v1/ports/{port_code}/appointments/{code}"
VALID_BODIES |= {
    ("POST", ARRIVAL + "/check-in"): {},
    ("POST", ARRIVAL + "/no-show"): {"reason": "checked in the wrong group"},
    ("POST", ARRIVAL + "/travelers/{position}/disposition"): {"disposition": "paroled"},
    ("POST", ARRIVAL + "/travelers/{position}/disposition/correct"): {
        "disposition": "refused",
        "reason": "recorded on the wrong traveler",
    },
}
#: Operations without a body called once on purpose with ids that work (GOOD), beside
#: those of VALID_BODIES.
GOOD_WITHOUT_BODY = [
    ("GET", "/api/v1/registrations/{registration_id}/entry"),
    ("GET", ARRIVAL + "/process"),
]


@dataclass
class World:
    app: FastAPI
    connection: Connection
    tokens: dict[Role, str]
    #: (METHOD, path) -> the roles the operation admits (None: public).
    admits: dict[tuple[str, str], frozenset[Role] | None] = field(default_factory=dict)

    def headers_for(self, method: str, path: str) -> dict[str, str]:
        admitted = self.admits.get((method, path))
        if admitted is None:
            return self.proof_for(method, path)
        role = next((r for r in CALLER_ORDER if r in admitted), None)
        auth = {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}
        return auth | self.proof_for(method, path)

    def proof_for(self, method: str, path: str) -> dict[str, str]:
        """A fresh solved proof of work, for the operations that need one (``puerta.pow``)."""
        if method != "POST" or path not in PROVED_API:
            return {}
        state = self.app.state
        issued = pow_service.issue(settings=state.settings, clock=state.clock)
        return {pow_service.HEADER: pow_service.solve(issued)}


def _admitted(dependant: Any) -> frozenset[Role] | None:
    found: frozenset[Role] | None = None
    stack = [dependant]
    while stack:
        d = stack.pop()
        if deps.is_access_check(d.call) and (roles := deps.admitted_by(d.call)) is not None:
            found = roles if found is None else found & roles
        stack.extend(d.dependencies)
    return found


def _load(url: str, settings_: Settings, clock: FrozenClock) -> None:
    """The demo world, an incomplete registration and a finding, committed to the file."""
    database = Database(url)
    with database.session() as s:
        demo.load(
            s, settings=settings_, clock=clock, store=FileSystemPhotoStore(settings_.photo_dir)
        )
        admin = accounts_service.create_staff(
            s,
            email="admin@fuzz.example",
            password=STAFF_PASSWORD,
            role=Role.ADMIN,
            port_code=None,
            clock=clock,
        )
        second_factor.enrol_with_secret(
            s, user=admin, secret=demo.STAFF_TOTP_SECRET, settings=settings_, clock=clock
        )
        organisation = partners_service.create_organisation(
            s, name="Shelter Fuzz", inbox="intake@shelter.fuzz.example", clock=clock
        )
        partners_service.create_partner_user(
            s,
            organisation_id=organisation.id,
            email=PARTNER_EMAIL,
            password=STAFF_PASSWORD,
            clock=clock,
        )
    with database.session() as s:
        ids = sorted(s.scalars(select(Registration.id)))
        findings_service.upsert(s, [cluster(ids[:3])], clock=clock)
    database.engine.dispose()


def _sign_in(client: TestClient, email: str, password: str) -> str:
    """A token; a staff account's with its second factor given (each staff account here
    signs in once, so the frozen clock's code is never a replay)."""
    r = client.post("/api/v1/sessions", json={"email": email, "password": password})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    if r.json()["second_factor"] == "required":
        given = client.post(
            "/api/v1/sessions/current/second-factor",
            json={"code": pyotp.TOTP(demo.STAFF_TOTP_SECRET).at(NOW)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert given.status_code == 200, given.text
    return token


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{tmp / 'fuzz.sqlite3'}"
    migrate.upgrade(url)
    settings_ = Settings(data_dir=tmp / "var", secret_key="test-secret", _env_file=None, **LOW_WORK)
    clock = FrozenClock(NOW)
    _load(url, settings_, clock)
    database = Database(url)
    with database.engine.connect() as connection:
        outer = connection.begin()
        app = create_app(settings_, db=SavepointDatabase(database, connection), clock=clock)
        with TestClient(app, base_url="https://testserver") as raw:
            client = proving(raw)
            applicant = _sign_in(client, demo.APPLICANT_EMAIL, demo.APPLICANT_PASSWORD)
            tokens = {
                Role.APPLICANT: applicant,
                Role.ANALYST: _sign_in(client, demo.ANALYST_EMAIL, demo.STAFF_PASSWORD),
                Role.ADMIN: _sign_in(client, "admin@fuzz.example", STAFF_PASSWORD),
                Role.OFFICER: _sign_in(client, "officer.sys@demo.puerta.test", demo.STAFF_PASSWORD),
                Role.PARTNER: _sign_in(client, PARTNER_EMAIL, STAFF_PASSWORD),
            }
            assisted = client.post(
                "/api/v1/partner/registrations",
                json={"travelers": [traveler(given_names="Rosa")], "contact": "partner"},
                headers={"Authorization": f"Bearer {tokens[Role.PARTNER]}"},
            )
            assert assisted.status_code == 201, assisted.text
            made = assisted.json()["registration_id"]
            photo = client.put(
                f"/api/v1/partner/registrations/{made}/travelers/0/photo",
                files={"photo": ("rosa.png", portrait_for(made, 0), "image/png")},
                headers={"Authorization": f"Bearer {tokens[Role.PARTNER]}"},
            )
            assert photo.status_code == 200, photo.text
            auth = {"Authorization": f"Bearer {applicant}"}
            draft = client.post(
                "/api/v1/registrations", json={"travelers": [traveler()]}, headers=auth
            )
            assert draft.status_code == 201, draft.text
            ready = client.post(  # complete, with photos, and no request yet
                "/api/v1/registrations", json={"travelers": [traveler()]}, headers=auth
            ).json()["id"]
            photo = client.put(
                f"/api/v1/registrations/{ready}/travelers/0/photo",
                files={"photo": ("me.png", portrait_for(ready, 0), "image/png")},
                headers=auth,
            )
            assert photo.status_code == 200, photo.text
        with SavepointDatabase(database, connection).session() as s:
            owner = s.scalar(select(User.id).where(User.email == demo.APPLICANT_EMAIL))
            mine = list(s.scalars(select(Registration.id).where(Registration.owner_id == owner)))
            draws = list(s.scalars(select(Draw)))
            codes = sorted(s.scalars(select(Appointment.code)))[:4]
            finding_ids = list(s.scalars(select(Finding.id)))
            organisation_ids = [o.id for o in partners_service.list_organisations(s)]
            drawn = s.scalar(
                select(Selection.registration_id).where(Selection.registration_id.in_(mine))
            )
            # Three booked arrivals: one expected, one checked in, one with a disposition.
            booked = list(
                s.scalars(
                    select(Appointment)
                    .where(Appointment.status == "booked")
                    .order_by(Appointment.code)
                )
            )[-3:]
            analyst = s.scalar(select(User).where(User.email == demo.ANALYST_EMAIL))
            for appointment in booked[1:]:
                checkin.check_in(s, appointment=appointment, officer=analyst, clock=clock)
            checkin.record_disposition(
                s,
                appointment=booked[2],
                position=0,
                disposition=Disposition.PAROLED,
                officer=analyst,
                clock=clock,
            )
            expected, arrived, decided = (
                {"port_code": a.port_code, "code": a.code, "position": 0} for a in booked
            )
        pool_today = requests_service.window_from(settings_).pool_date(NOW)
        days = sorted({d.pool_date for d in draws} | {pool_today})
        arrivals = sorted({d.appointment_date for d in draws})
        world = World(app=app, connection=connection, tokens=tokens)
        GOOD.clear()
        GOOD.update(
            {
                "registration_id": ready,
                "position": 0,
                "finding_id": finding_ids[0],
            }
        )
        GOOD["organisation_id"] = organisation_ids[0]
        GOOD[("GET", "/api/v1/registrations/{registration_id}/entry")] = {"registration_id": drawn}
        GOOD[("POST", ARRIVAL + "/check-in")] = expected
        GOOD[("GET", ARRIVAL + "/process")] = expected
        GOOD[("POST", ARRIVAL + "/no-show")] = arrived
        GOOD[("POST", ARRIVAL + "/travelers/{position}/disposition")] = arrived
        GOOD[("POST", ARRIVAL + "/travelers/{position}/disposition/correct")] = decided
        for partner_path in (
            "/api/v1/partner/registrations/{registration_id}/travelers/{position}",
            "/api/v1/partner/registrations/{registration_id}/requests",
        ):
            method_ = "PUT" if "travelers" in partner_path else "POST"
            GOOD[(method_, partner_path)] = {"registration_id": made, "position": 0}
        GOOD[("PUT", "/api/v1/registrations/{registration_id}/travelers/{position}")] = {
            "registration_id": draft.json()["id"],
            "position": 0,
        }
        KNOWN.clear()
        KNOWN.update(
            {
                "registration_id": mine,
                "partner:registration_id": [assisted.json()["registration_id"]],
                "organisation_id": organisation_ids,
                "position": [0, 1],
                "port_code": [p.code for p in catalogue.PORTS],
                "pool_date": [d.isoformat() for d in days],
                "code": codes,
                "finding_id": finding_ids,
                "date": [d.isoformat() for d in arrivals],
                "start": [d.isoformat() for d in arrivals],
            }
        )
        for route in iter_route_contexts(app.routes):
            if isinstance(route.original_route, APIRoute):
                for method in route.methods or ():
                    world.admits[(method, route.path_format)] = _admitted(route.dependant)
        try:
            yield world
        finally:
            outer.rollback()
    database.engine.dispose()


def _with_known(values: dict[str, Any] | None, known: dict[str, list[Any]], path: str = "") -> Any:
    """The generated values, or for a parameter with real values, one of those (a
    partner's own where the operation is a partner's: ``partner:NAME``)."""
    if not isinstance(values, dict):
        return st.just(values)

    def real(name: str) -> list[Any]:
        if path.startswith("/api/v1/partner/") and f"partner:{name}" in known:
            return known[f"partner:{name}"]
        return known.get(name, [])

    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *real(name)]) if real(name) else st.just(value)
            for name, value in values.items()
        }
    )


def _hooks(schema: Any, known: dict[str, list[Any]]) -> None:
    def flatmap_path_parameters(context: Any, path_parameters: Any) -> Any:
        return _with_known(path_parameters, known, context.operation.path)

    def flatmap_query(_context: Any, query: Any) -> Any:
        return _with_known(query, known)

    def flatmap_body(context: Any, body: Any) -> Any:
        valid = VALID_BODIES.get((context.operation.method.upper(), context.operation.path))
        return st.just(body) if valid is None else st.sampled_from([body, valid])

    for hook in (flatmap_path_parameters, flatmap_query, flatmap_body):
        schema.hook(hook)


#: The document, from an app of the same code that never opens its store; the calls go to
#: the world's app (``app=`` below). Loaded at import, as Schemathesis' parametrize needs.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    create_app(Settings(secret_key="test-secret", _env_file=None), db=Database("sqlite://")),
)
_hooks(schema, KNOWN)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_only_what_its_document_declares(
    case: schemathesis.Case, world: World
) -> None:
    headers = world.headers_for(case.operation.method.upper(), case.operation.path)
    example = world.connection.begin_nested()
    try:
        response = case.call_and_validate(headers=headers, checks=CHECKS, app=world.app)
        label = f"{case.operation.method.upper()} {case.operation.path}"
        SEEN.setdefault(label, set()).add(response.status_code)
    finally:
        example.rollback()


@pytest.mark.parametrize(("method", "path"), sorted([*VALID_BODIES, *GOOD_WITHOUT_BODY]))
def test_each_known_good_call_succeeds_as_declared(method: str, path: str, world: World) -> None:
    """The success paths, called once each with a body and ids that work (the fuzzing
    above offers them too, but only as one draw among many): a 2xx, and a body that
    matches the document."""
    operation = schema[path][method]
    names = [p["name"] for p in operation.definition.raw.get("parameters", ()) if p["in"] == "path"]
    by_operation = GOOD.get((method, path), {})
    params = {n: by_operation.get(n, GOOD.get(n)) for n in names}
    body = VALID_BODIES.get((method, path))
    case = operation.Case(
        path_parameters=params or None, **({} if body is None else {"body": body})
    )
    example = world.connection.begin_nested()
    try:
        response = case.call_and_validate(
            headers=world.headers_for(method, path), checks=CHECKS, app=world.app
        )
        SEEN.setdefault(f"{method} {path}", set()).add(response.status_code)
        assert 200 <= response.status_code < 300, response.text
    finally:
        example.rollback()


def test_the_document_declares_problem_json_on_every_operation(world: World) -> None:
    """The mechanism itself (web/openapi.py): every operation lists its errors as
    problem+json, and 503 with Retry-After everywhere."""
    doc = world.app.openapi()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            errors = {k: v for k, v in operation["responses"].items() if k[0] in "45"}
            assert "503" in errors, (method, path)
            assert errors["503"]["headers"]["Retry-After"]["required"] is True
            for status, response in errors.items():
                assert list(response["content"]) == ["application/problem+json"], (path, status)


def test_the_run_reached_the_success_paths() -> None:
    """Not only 401s and 422s: every operation fuzzed above answered a 2xx at least once,
    but for the few that need what a fuzzer cannot have (a mailed code, a real photo)."""
    if not SEEN:
        pytest.skip("run with the fuzzing test above (this one reads what it saw)")
    never = sorted(op for op, statuses in SEEN.items() if not any(200 <= s < 300 for s in statuses))
    assert set(never) <= set(NO_SUCCESS_EXPECTED), {op: sorted(SEEN[op]) for op in never}
