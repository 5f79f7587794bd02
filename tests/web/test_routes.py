"""Every route declares who may call it and which session it uses; the declarations hold.

The table below is the access policy, one line per route. A route added
without a declared permission (or missing from the table) fails
``test_every_route_declares_who_may_call_it``; each line is then exercised
over HTTP for anonymous callers and every role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, get_args

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from puerta.accounts.models import Role
from puerta.config import Settings
from puerta.web import deps, staff
from puerta.web.app import create_app
from tests.api_support import Api

APPLICANT, OFFICER, ANALYST, ADMIN = Role.APPLICANT, Role.OFFICER, Role.ANALYST, Role.ADMIN
PARTNER = Role.PARTNER


@dataclass(frozen=True)
class Access:
    """Who a route admits (None: anyone, signed in or not) and the code others get."""

    name: str
    roles: frozenset[Role] | None
    refusals: dict[Role, str] = field(default_factory=dict)


ANYONE = Access("anyone", None)
SIGNED_IN = Access("signed in", frozenset(Role))
APPLICANTS = Access(
    "applicants",
    frozenset({APPLICANT}),
    dict.fromkeys((PARTNER, OFFICER, ANALYST, ADMIN), "access.applicants_only"),
)
STAFF = Access(
    "staff",
    frozenset({OFFICER, ANALYST, ADMIN}),
    dict.fromkeys((APPLICANT, PARTNER), "access.staff_only"),
)
ANALYSTS = Access(
    "analysts",
    frozenset({ANALYST, ADMIN}),
    {APPLICANT: "access.staff_only", PARTNER: "access.staff_only", OFFICER: "access.analysts_only"},
)
ADMINS = Access(
    "admins",
    frozenset({ADMIN}),
    dict.fromkeys((APPLICANT, PARTNER), "access.staff_only")
    | dict.fromkeys((OFFICER, ANALYST), "access.admins_only"),
)
PARTNERS = Access(
    "partners",
    frozenset({PARTNER}),
    dict.fromkeys((APPLICANT, OFFICER, ANALYST, ADMIN), "access.partners_only"),
)
P = "/api/v1/partner/registrations"
ORGS = "/api/v1/admin/partner-organisations"

R = "/api/v1/registrations/{registration_id}"
ROUTES: dict[tuple[str, str], Access] = {
    ("GET", "/"): ANYONE,
    ("GET", "/language"): ANYONE,
    # The account pages (accounts/pages.py): public, each checks its own form token.
    ("GET", "/account/new"): ANYONE,
    ("POST", "/account/new"): ANYONE,
    ("GET", "/account/verify"): ANYONE,
    ("POST", "/account/verify"): ANYONE,
    ("GET", "/sign-in"): ANYONE,
    ("POST", "/sign-in"): ANYONE,
    ("GET", "/account"): ANYONE,
    ("POST", "/sign-out"): ANYONE,
    # The staff's door (accounts/staff_pages.py) and the staff home.
    ("GET", "/staff/sign-in"): ANYONE,
    ("POST", "/staff/sign-in"): ANYONE,
    ("POST", "/staff/sign-out"): ANYONE,
    ("GET", "/staff"): STAFF,
    # #14 second factor: the code, enrolment, re-authentication, the audit page.
    ("GET", "/staff/second-factor"): STAFF,
    ("POST", "/staff/second-factor"): STAFF,
    ("GET", "/staff/enrol"): STAFF,
    ("POST", "/staff/enrol"): STAFF,
    ("GET", "/staff/confirm"): STAFF,
    ("POST", "/staff/confirm"): STAFF,
    ("GET", "/staff/admin/audit"): ADMINS,
    ("GET", "/staff/admin/audit.csv"): ADMINS,
    # Processing an arrival and the day summary (#14 dispositions; PortPage).
    ("GET", "/staff/ports/{port_code}/arrivals/{code}/process"): STAFF,
    ("POST", "/staff/ports/{port_code}/arrivals/{code}/process/check-in"): STAFF,
    ("POST", "/staff/ports/{port_code}/arrivals/{code}/process/travelers/{position}"): STAFF,
    ("GET", "/staff/ports/{port_code}/summary"): STAFF,
    # #14 officers' console (arrivals/pages.py): staff; port pages in the path port's scope.
    ("GET", "/staff/ports/{port_code}/arrivals"): STAFF,
    ("GET", "/staff/ports/{port_code}/arrivals/{code}"): STAFF,
    ("GET", "/staff/ports/{port_code}/briefing"): STAFF,
    ("GET", "/staff/lookup"): STAFF,
    ("GET", "/staff/photos/registered/{registration_id}/{position}"): STAFF,
    ("GET", "/staff/photos/live/{code}"): STAFF,
    # The analysts' dashboards (dashboards/pages.py).
    ("GET", "/staff/dashboards"): ANALYSTS,
    ("GET", "/staff/dashboards/{chart}.csv"): ANALYSTS,
    # #14 findings workbench (findings/pages.py): analysts and admins.
    ("GET", "/staff/findings"): ANALYSTS,
    ("GET", "/staff/findings/{finding_id}"): ANALYSTS,
    ("GET", "/staff/findings/{finding_id}/review"): ANALYSTS,
    ("POST", "/staff/findings/{finding_id}/review"): ANALYSTS,
    ("GET", "/staff/appeals"): ANALYSTS,
    ("GET", "/account/forgot"): ANYONE,
    ("POST", "/account/forgot"): ANYONE,
    ("GET", "/account/reset"): ANYONE,
    ("POST", "/account/reset"): ANYONE,
    # The applicant's pages (journey/pages.py): signed-out browsers are sent to sign in.
    ("GET", "/registrations"): ANYONE,
    ("GET", "/registrations/{registration_id}"): ANYONE,
    ("GET", "/registrations/{registration_id}/ask"): ANYONE,
    ("POST", "/registrations/{registration_id}/ask"): ANYONE,
    ("GET", "/registrations/{registration_id}/confirm"): ANYONE,
    ("POST", "/registrations/{registration_id}/confirm"): ANYONE,
    ("GET", "/registrations/{registration_id}/confirm/waiting"): ANYONE,
    ("GET", "/registrations/{registration_id}/appointment.ics"): ANYONE,
    ("GET", "/registrations/{registration_id}/{action}"): ANYONE,
    ("POST", "/registrations/{registration_id}/{action}"): ANYONE,
    ("GET", "/registrations/{registration_id}/photos"): ANYONE,
    ("POST", "/registrations/{registration_id}/photos/{number}"): ANYONE,
    # Registering on the pages (registration/pages.py): the same, signed out to sign in.
    ("GET", "/register"): ANYONE,
    ("GET", "/register/travelers/new"): ANYONE,
    ("POST", "/register/travelers/new"): ANYONE,
    ("GET", "/register/travelers/{number}"): ANYONE,
    ("POST", "/register/travelers/{number}"): ANYONE,
    ("GET", "/register/travelers/{number}/remove"): ANYONE,
    ("POST", "/register/travelers/{number}/remove"): ANYONE,
    ("GET", "/register/check"): ANYONE,
    ("POST", "/register/check"): ANYONE,
    # The day's draw as a public page (draw/pages.py).
    ("GET", "/draws/{pool_date}"): ANYONE,
    # "Is this appointment real?" (confirmation/check_views.py): anyone, capped per address.
    ("GET", "/appointments/check"): ANYONE,
    ("POST", "/appointments/check"): ANYONE,
    ("POST", "/api/v1/appointments/check"): ANYONE,
    ("GET", "/healthz"): ANYONE,
    # no account: loopback or the metrics token, else 404 (tests/web/test_metrics.py)
    ("GET", "/metrics"): ANYONE,
    # accounts
    ("GET", "/api/v1/challenge"): ANYONE,  # the proof of work's challenge (pow/views.py)
    ("POST", "/api/v1/accounts"): ANYONE,
    ("POST", "/api/v1/accounts/verify"): ANYONE,
    ("POST", "/api/v1/accounts/verify/resend"): ANYONE,
    ("POST", "/api/v1/accounts/password/forgot"): ANYONE,
    ("POST", "/api/v1/accounts/password/reset"): ANYONE,
    ("POST", "/api/v1/sessions"): ANYONE,
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("DELETE", "/api/v1/sessions/current"): SIGNED_IN,
    ("POST", "/api/v1/sessions/current/second-factor"): STAFF,  # #14 second factor
    # an applicant's registrations and their journey
    ("POST", "/api/v1/registrations"): APPLICANTS,
    ("GET", "/api/v1/registrations"): APPLICANTS,
    ("GET", R): APPLICANTS,
    ("PUT", R + "/travelers/{position}"): APPLICANTS,
    ("PUT", R + "/travelers/{position}/photo"): APPLICANTS,
    ("POST", R + "/withdraw"): APPLICANTS,
    ("GET", R + "/status"): APPLICANTS,
    ("POST", R + "/requests"): APPLICANTS,
    ("GET", R + "/requests"): APPLICANTS,
    ("GET", R + "/entry"): APPLICANTS,
    ("GET", R + "/selection"): APPLICANTS,
    ("POST", R + "/selection/confirm"): APPLICANTS,
    ("GET", R + "/selection/scan"): APPLICANTS,
    ("POST", R + "/selection/extend"): APPLICANTS,
    ("POST", R + "/selection/decline"): APPLICANTS,
    ("GET", R + "/appointment"): APPLICANTS,
    ("GET", R + "/appointment/qr.png"): APPLICANTS,
    ("POST", R + "/appointment/cancel"): APPLICANTS,
    # ports and their arrivals (PortScope: officers of that port, analysts, admins)
    ("GET", "/api/v1/ports"): ANYONE,
    ("GET", "/api/v1/ports/{port_code}/appointments"): STAFF,
    ("GET", "/api/v1/ports/{port_code}/briefing"): STAFF,
    ("GET", "/api/v1/appointments/{code}"): STAFF,
    # check-in and dispositions (#14 dispositions; PortScope as the arrivals)
    ("GET", "/api/v1/ports/{port_code}/appointments/{code}/process"): STAFF,
    ("POST", "/api/v1/ports/{port_code}/appointments/{code}/check-in"): STAFF,
    ("POST", "/api/v1/ports/{port_code}/appointments/{code}/no-show"): STAFF,
    ("POST", "/api/v1/ports/{port_code}/appointments/{code}/travelers/{position}/disposition"): (
        STAFF
    ),
    (
        "POST",
        "/api/v1/ports/{port_code}/appointments/{code}/travelers/{position}/disposition/correct",
    ): STAFF,
    ("GET", "/api/v1/ports/{port_code}/summary"): STAFF,
    # the draw's public record, and its review list
    ("GET", "/api/v1/draws/{pool_date}"): ANYONE,
    ("GET", "/api/v1/draws/{pool_date}/published"): ANYONE,
    ("GET", "/api/v1/draws/{pool_date}/verify"): ANYONE,
    ("GET", "/api/v1/draws/{pool_date}/review"): ANALYSTS,
    # findings
    # The assisted channel (partners/views.py).
    ("POST", P): PARTNERS,
    ("GET", P): PARTNERS,
    ("GET", P + "/{registration_id}"): PARTNERS,
    ("PUT", P + "/{registration_id}/travelers/{position}"): PARTNERS,
    ("PUT", P + "/{registration_id}/travelers/{position}/photo"): PARTNERS,
    ("POST", P + "/{registration_id}/requests"): PARTNERS,
    ("POST", P + "/{registration_id}/withdraw"): PARTNERS,
    ("POST", P + "/{registration_id}/appointment/cancel"): PARTNERS,
    ("POST", P + "/{registration_id}/handover-code"): PARTNERS,
    ("GET", "/api/v1/partner/audit"): PARTNERS,
    ("POST", "/api/v1/handover"): APPLICANTS,
    ("POST", ORGS): ADMINS,
    ("GET", ORGS): ADMINS,
    ("POST", ORGS + "/{organisation_id}/members"): ADMINS,
    ("POST", ORGS + "/{organisation_id}/suspend"): ADMINS,
    ("POST", ORGS + "/{organisation_id}/reinstate"): ADMINS,
    ("GET", "/api/v1/admin/partner-audit"): ANALYSTS,
    ("GET", "/api/v1/admin/partner-report"): ANALYSTS,
    ("GET", "/api/v1/findings"): ANALYSTS,
    ("GET", "/api/v1/findings/{finding_id}"): ANALYSTS,
    ("POST", "/api/v1/findings/{finding_id}/review"): ANALYSTS,
}
PORT_SCOPED = {
    ("GET", "/api/v1/ports/{port_code}/appointments"),
    ("GET", "/api/v1/ports/{port_code}/briefing"),
    ("GET", "/api/v1/ports/{port_code}/summary"),
    # An arrival's own routes (tests/arrivals/test_api.py walks their port scope).
    ("GET", "/api/v1/ports/{port_code}/appointments/{code}/process"),
    ("POST", "/api/v1/ports/{port_code}/appointments/{code}/check-in"),
    ("POST", "/api/v1/ports/{port_code}/appointments/{code}/no-show"),
    ("POST", "/api/v1/ports/{port_code}/appointments/{code}/travelers/{position}/disposition"),
    (
        "POST",
        "/api/v1/ports/{port_code}/appointments/{code}/travelers/{position}/disposition/correct",
    ),
}
#: Staff pages whose port is the path's, resolved through ``web.staff.PortPage``.
STAFF_PORT_SCOPED = {
    ("GET", "/staff/ports/{port_code}/arrivals"),  # #14 officers' console
    ("GET", "/staff/ports/{port_code}/arrivals/{code}"),
    ("GET", "/staff/ports/{port_code}/briefing"),
    ("GET", "/staff/ports/{port_code}/arrivals/{code}/process"),  # #14 dispositions
    ("POST", "/staff/ports/{port_code}/arrivals/{code}/process/check-in"),
    ("POST", "/staff/ports/{port_code}/arrivals/{code}/process/travelers/{position}"),
    ("GET", "/staff/ports/{port_code}/summary"),
}
#: The framework's own routes and the static files: public by design.
FRAMEWORK = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static"}
UNDECLARED = Access("nobody declared", frozenset())


def _dependency(alias: Any) -> Callable[..., Any]:
    return get_args(alias)[1].dependency


READ = _dependency(deps.ReadSession)
WRITE = _dependency(deps.DbSession)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        assert sub.call is not None
        yield sub.call
        yield from _calls(sub)


def declared_access(dependant: Dependant) -> frozenset[Role] | Access | None:
    """What the route's access dependencies admit together (each must pass)."""
    checks = [c for c in _calls(dependant) if deps.is_access_check(c)]
    if not checks:
        return UNDECLARED
    admitted: frozenset[Role] | None = None
    for check in checks:
        roles = deps.admitted_by(check)
        if roles is not None:
            admitted = roles if admitted is None else admitted & roles
    return admitted


def _api_routes(app: FastAPI) -> Iterator[tuple[str, str, Dependant]]:
    """(method, path, dependant) of every API route, as mounted (prefixes, router deps)."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            for method in sorted(route.methods or ()):
                yield method, route.path, route.dependant


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(secret_key="test-secret", _env_file=None))


def test_every_route_declares_who_may_call_it(app: FastAPI) -> None:
    declared = {(m, path): declared_access(d) for m, path, d in _api_routes(app)}
    undeclared = sorted(k for k, v in declared.items() if v is UNDECLARED)
    assert undeclared == [], "declare Public, SignedIn, Applicant, Officer, Analyst or PortScope"
    assert sorted(set(declared) - set(ROUTES)) == [], "a new route: add it to ROUTES"
    assert sorted(set(ROUTES) - set(declared)) == [], "a route is gone: drop it from ROUTES"
    wrong = {k: (v, ROUTES[k].name) for k, v in declared.items() if v != ROUTES[k].roles}
    assert wrong == {}


def test_port_routes_resolve_the_port_through_port_scope(app: FastAPI) -> None:
    scoped = _dependency(deps.PortScope)
    found = {(m, path) for m, path, d in _api_routes(app) if scoped in set(_calls(d))}
    assert found == PORT_SCOPED


def test_staff_port_pages_resolve_the_port_through_port_page(app: FastAPI) -> None:
    found = {(m, path) for m, path, d in _api_routes(app) if staff._port_page in set(_calls(d))}
    assert found == STAFF_PORT_SCOPED


def test_only_the_framework_routes_are_outside_the_table(app: FastAPI) -> None:
    others = {
        r.path
        for r in iter_route_contexts(app.routes)
        if not isinstance(r.original_route, APIRoute)
    }
    assert others == FRAMEWORK


def test_reads_take_read_sessions_and_writes_write_sessions(app: FastAPI) -> None:
    misdeclared = []
    for method, path, dependant in _api_routes(app):
        wrong = WRITE if method in deps.READ_METHODS else READ
        if wrong in set(_calls(dependant)):
            misdeclared.append((method, path))
    assert misdeclared == []


SAMPLE_PATH = {
    "registration_id": "R-NOTHING",
    "position": "0",
    "number": "1",
    "port_code": "SYS",
    "code": "NOCODE",
    "pool_date": "2026-03-04",
    "finding_id": "987654",
    "organisation_id": "987654",
    "action": "withdraw",
    "chart": "requests",  # #14 dashboards
}


def _signed_in_callers(api: Api) -> dict[Role, str]:
    return {
        APPLICANT: api.sign_up_verified("applicant@example.org"),
        OFFICER: api.staff("officer@sys.example", OFFICER, "SYS"),
        ANALYST: api.staff("analyst@hq.example", ANALYST),
        ADMIN: api.staff("admin@hq.example", ADMIN),
        PARTNER: api.partner("partner@shelter.example"),
    }


WRITES = ("POST", "PUT", "DELETE")
#: Bodies for the hot path's writes: they check the caller's role inside their one
#: statement, after FastAPI has parsed the body, so a malformed body is a 422 first.
WELL_FORMED = {
    ("POST", "/api/v1/registrations/{registration_id}/requests"): {
        "port_code": "SYS",
        "latitude": 32.5149,
        "longitude": -117.0382,
    },
}


def test_the_table_holds_over_http(api: Api) -> None:
    """Anonymous: 401 unless public. A role not admitted: 403 with its code. Else neither."""
    tokens = _signed_in_callers(api)
    # Signing out last: it ends the session it is called with.
    order = sorted(ROUTES, key=lambda k: k == ("DELETE", "/api/v1/sessions/current"))
    seen: dict[tuple[str, str, str], int] = {}
    for method, path in order:
        access = ROUTES[(method, path)]
        url = path.format(**SAMPLE_PATH)
        body = {"json": WELL_FORMED.get((method, path), {})} if method in WRITES else {}
        anonymous = api.client.request(method, url, **body)
        seen[(method, path, "anonymous")] = anonymous.status_code
        if access.roles is None:
            assert anonymous.status_code not in (401, 403), (method, path, anonymous.text)
        else:
            assert (anonymous.status_code, anonymous.json()["code"]) == (401, "auth.required")
        for role, token in tokens.items():
            r = api.client.request(method, url, headers=api.auth(token), **body)
            seen[(method, path, role.value)] = r.status_code
            if access.roles is not None and role not in access.roles:
                assert (r.status_code, r.json()["code"]) == (403, access.refusals[role]), (
                    method,
                    path,
                    role,
                )
            else:
                assert r.status_code not in (401, 403), (method, path, role, r.text)
    assert len(seen) == (1 + len(tokens)) * len(ROUTES)


def test_an_officer_is_kept_to_their_own_port(api: Api) -> None:
    officer = api.staff("officer@elp.example", OFFICER, "ELP")
    analyst = api.staff("analyst@hq.example", ANALYST)
    params = {"date": "2026-03-18", "start": "2026-03-18"}
    port_days = [p for m, p in sorted(PORT_SCOPED) if m == "GET" and p.count("{") == 1]
    assert len(port_days) == 3
    for path in port_days:
        own = api.client.get(path.format(port_code="ELP"), params=params, headers=api.auth(officer))
        other = api.client.get(
            path.format(port_code="SYS"), params=params, headers=api.auth(officer)
        )
        everywhere = api.client.get(
            path.format(port_code="SYS"), params=params, headers=api.auth(analyst)
        )
        assert own.status_code == 200, own.text
        assert (other.status_code, other.json()["code"]) == (403, "access.port_scope")
        assert everywhere.status_code == 200, everywhere.text
