"""The hot path's statements against the ORM use cases, on the same states, on each backend.

The statements may only make the common case cheap: where the use case would
refuse, the statement must find nothing (and the route then answers with the
use case's coded error); where it would create, the statement creates; and the
status it computes from its one row is the status the services compute.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import psycopg_pool
import pytest
from sqlalchemy import select, update

from puerta.accounts.models import AuthSession, Role, User
from puerta.config import Settings
from puerta.demo import synthetic_portrait
from puerta.journey.status import status_of
from puerta.ports.models import Port
from puerta.registration.models import Registration, Traveler
from puerta.statements import Row, Statement, Statements
from tests.api.test_journey import run_draw
from tests.api_support import TIJUANA, Api

ASKED = "journey.ask"
IN_POOL = "journey.in_pool"


class Recording:
    """Statements that note which statement found a row, around the app's own."""

    def __init__(self, inner: Statements) -> None:
        self.inner = inner
        self.found: list[tuple[str, bool]] = []

    async def one(self, statement: Statement, params: dict[str, Any]) -> Row | None:
        row = await self.inner.one(statement, params)
        self.found.append((statement.name, row is not None))
        return row

    async def close(self) -> None:
        await self.inner.close()


@pytest.fixture
def spy(api: Api) -> Recording:
    app = api.client.app
    recording = Recording(app.state.statements)  # type: ignore[attr-defined]
    app.state.statements = recording  # type: ignore[attr-defined]
    return recording


def _ask(api: Api, token: str, rid: str, **body: Any) -> Any:
    payload = {"port_code": "SYS", **TIJUANA, **body}
    return api.client.post(
        f"/api/v1/registrations/{rid}/requests", json=payload, headers=api.auth(token)
    )


def test_a_first_request_is_one_statement_and_a_retry_returns_it(api: Api, spy: Recording) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2)
    spy.found.clear()
    first = _ask(api, token, rid)
    assert first.status_code == 201, first.text
    assert spy.found == [(ASKED, True)]
    assert first.json()["pool_date"] == "2026-03-04"
    assert first.json()["status"] == "pooled"
    spy.found.clear()
    again = _ask(api, token, rid)
    assert again.status_code == 200
    assert again.json() == first.json()  # the same request
    assert spy.found == [(ASKED, False), ("journey.in_pool", True)]
    spy.found.clear()
    elsewhere = _ask(api, token, rid, port_code="ELP")  # not a retry: the use case says so
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "request.asked_elsewhere")
    assert spy.found[:2] == [(ASKED, False), ("journey.in_pool", True)]


REFUSALS = {
    "withdrawn": (409, "request.registration_inactive"),
    "photo_missing": (422, "request.photos_missing"),
    "port_unknown": (404, "port.not_found"),
    "port_closed": (404, "port.not_found"),
    "session_revoked": (401, "auth.session_ended"),
    "session_expired": (401, "auth.session_ended"),
    "account_inactive": (401, "auth.session_ended"),
    "someone_elses": (404, "registration.not_found"),
    "officer": (403, "access.applicants_only"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_where_the_use_case_refuses_the_statement_writes_nothing(
    api: Api, spy: Recording, case: str
) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2)
    body: dict[str, Any] = {}
    with api.db.session() as s:
        user_id = s.scalar(select(User.id).where(User.email == "ana@example.org"))
        match case:
            case "withdrawn":
                s.execute(
                    update(Registration).where(Registration.id == rid).values(status="withdrawn")
                )
            case "photo_missing":
                s.execute(
                    update(Traveler)
                    .where(Traveler.registration_id == rid, Traveler.position == 1)
                    .values(photo_sha256=None)
                )
            case "port_unknown":
                body = {"port_code": "ZZZ"}
            case "port_closed":
                s.execute(update(Port).where(Port.code == "SYS").values(is_active=False))
            case "session_revoked":
                s.execute(update(AuthSession).values(revoked_at=api.clock.now()))
            case "session_expired":
                s.execute(update(AuthSession).values(expires_at=api.clock.now()))
            case "account_inactive":
                s.execute(update(User).where(User.id == user_id).values(is_active=False))
            case "someone_elses":
                pass
            case "officer":
                s.execute(update(User).where(User.id == user_id).values(role=Role.OFFICER.value))
    if case == "someone_elses":
        token = api.sign_up_verified("bo@example.org")
    spy.found.clear()
    r = _ask(api, token, rid, **body)
    assert (r.status_code, r.json()["code"]) == REFUSALS[case], r.text
    assert spy.found == [(ASKED, False), (IN_POOL, False)]


def test_an_open_offer_or_a_booking_stops_a_new_request(
    api: Api, spy: Recording, settings: Settings
) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=1)
    assert _ask(api, token, rid).status_code == 201
    run_draw(api, settings)  # 11:05: selected, offer open
    api.clock.advance(hours=1)  # 12:05: the next window is open
    spy.found.clear()
    r = _ask(api, token, rid)
    assert (r.status_code, r.json()["code"]) == (409, "request.already_selected")
    assert spy.found == [(ASKED, False), (IN_POOL, False)]
    confirmed = api.client.post(
        f"/api/v1/registrations/{rid}/selection/confirm",
        files={"live_photo": ("live.png", synthetic_portrait(7), "image/png")},
        data={k: str(v) for k, v in TIJUANA.items()},
        headers=api.auth(token),
    )
    assert confirmed.status_code == 200, confirmed.text
    spy.found.clear()
    r = _ask(api, token, rid)
    assert (r.status_code, r.json()["code"]) == (409, "request.already_booked")
    assert spy.found == [(ASKED, False), (IN_POOL, False)]


def test_outside_the_window_or_the_area_no_statement_runs(api: Api, spy: Recording) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token)
    spy.found.clear()
    far = _ask(api, token, rid, latitude=40.7, longitude=-74.0)  # New York
    assert (far.status_code, far.json()["code"]) == (403, "request.outside_area")
    api.clock.advance(minutes=61)  # 11:01 New York: shut
    shut = _ask(api, token, rid)
    assert (shut.status_code, shut.json()["code"]) == (409, "request.window_closed")
    assert spy.found == []


def test_a_cookie_write_needs_the_csrf_token_in_the_statement_too(api: Api, spy: Recording) -> None:
    api.sign_up_verified("ana@example.org")
    signed_in = api.client.post(
        "/api/v1/sessions", json={"email": "ana@example.org", "password": "correct horse battery"}
    )
    token, csrf = signed_in.json()["token"], signed_in.json()["csrf_token"]
    rid = api.registration(token)
    api.client.cookies.set("__Host-puerta_session", token)
    body = {"port_code": "SYS", **TIJUANA}
    url = f"/api/v1/registrations/{rid}/requests"
    spy.found.clear()
    forged = api.client.post(url, json=body, headers={"X-CSRF-Token": "wrong"})
    assert (forged.status_code, forged.json()["code"]) == (403, "auth.csrf")
    assert spy.found == [(ASKED, False), (IN_POOL, False)]
    spy.found.clear()
    sent = api.client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert sent.status_code == 201, sent.text
    assert spy.found == [(ASKED, True)]
    api.client.cookies.clear()


def _both_statuses(api: Api, token: str, rid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The route's answer (the statement's) and the services' own status, as JSON."""
    hot = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(token)).json()
    with api.db.read_only() as s:
        registration = s.get(Registration, rid)
        assert registration is not None
        current = status_of(s, registration, api.clock)
    return hot, {
        "stage": current.stage.value,
        "code": current.message.code,
        "message": hot["message"],
        **current.details,
    }


def test_the_statement_status_is_the_services_status_at_every_step(
    api: Api, spy: Recording, settings: Settings
) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2, photos=False)
    stages = []

    def check() -> None:
        spy.found.clear()
        hot, services = _both_statuses(api, token, rid)
        assert hot == services
        assert spy.found == [("journey.status", True)]
        stages.append(hot["stage"])

    check()  # incomplete
    api.photo(token, rid, 0, synthetic_portrait(1))
    api.photo(token, rid, 1, synthetic_portrait(2))
    check()  # no_request
    assert _ask(api, token, rid).status_code == 201
    check()  # pending_request
    run_draw(api, settings)
    check()  # selected
    declined = api.client.post(
        f"/api/v1/registrations/{rid}/selection/decline", headers=api.auth(token)
    )
    assert declined.status_code == 204, declined.text
    check()  # declined
    api.clock.advance(hours=1)
    assert _ask(api, token, rid).status_code == 201
    check()  # pending again
    api.clock.advance(days=1)
    check()  # still pending: no draw ran for it here
    withdrawn = api.client.post(f"/api/v1/registrations/{rid}/withdraw", headers=api.auth(token))
    assert withdrawn.status_code == 200
    check()
    assert stages == [
        "incomplete",
        "no_request",
        "pending_request",
        "selected",
        "declined",
        "pending_request",
        "pending_request",
        "withdrawn",
    ]


def test_another_accounts_status_is_not_found_through_the_services(
    api: Api, spy: Recording
) -> None:
    ana = api.sign_up_verified("ana@example.org")
    rid = api.registration(ana)
    bo = api.sign_up_verified("bo@example.org")
    spy.found.clear()
    r = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(bo))
    assert (r.status_code, r.json()["code"]) == (404, "registration.not_found")
    assert spy.found == [("journey.status", False)]


def test_the_entry_is_one_statement_once_its_pool_is_cached(
    api: Api, spy: Recording, settings: Settings
) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2)
    assert _ask(api, token, rid).status_code == 201
    before = api.client.get(f"/api/v1/registrations/{rid}/entry", headers=api.auth(token))
    assert before.json()["stage"] in ("committed", "not_published")
    run_draw(api, settings)
    spy.found.clear()
    first = api.client.get(f"/api/v1/registrations/{rid}/entry", headers=api.auth(token)).json()
    names = [name for name, _ in spy.found]
    assert names[0] == "draw.entry"
    spy.found.clear()
    second = api.client.get(f"/api/v1/registrations/{rid}/entry", headers=api.auth(token)).json()
    assert spy.found == [("draw.entry", True)]
    assert first == second
    assert first["stage"] == "drawn"
    assert first["result"] == "selected"
    earlier = api.client.get(
        f"/api/v1/registrations/{rid}/entry",
        params={"pool_date": date(2026, 3, 4).isoformat()},
        headers=api.auth(token),
    ).json()
    assert earlier == first  # the ORM path, for a named day, says the same
    assert date.fromisoformat(first["pool_date"]) - date(2026, 3, 4) == timedelta(0)


class Unreachable:
    """A store whose pool never has a connection free."""

    async def one(self, _statement: Statement, _params: dict[str, Any]) -> Row | None:
        raise psycopg_pool.PoolTimeout("couldn't get a connection after 10.00 sec")

    async def close(self) -> None:
        return None


def test_no_connection_in_time_is_a_503_with_retry_after(api: Api, settings: Settings) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token)
    api.client.app.state.statements = Unreachable()  # type: ignore[attr-defined]
    r = _ask(api, token, rid)
    assert r.status_code == 503
    assert r.headers["retry-after"] == str(settings.retry_after_seconds)
    assert r.json()["code"] == "store.unavailable"
    assert "try again" in r.json()["detail"]
    status = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(token))
    assert status.status_code == 503
