"""The process page and the day summary: check in, record, correct, the error summary
on bad input (400, nothing kept), re-authentication, and port scope."""

from __future__ import annotations

from typing import Any

import pytest

from puerta.accounts.models import Role
from puerta.clock import FrozenClock
from puerta.config import Settings
from tests.api_support import HTML, Api
from tests.arrivals.world import DAY, OPEN, book

CODE = "SYSA000001"
PAGE = f"/staff/ports/SYS/arrivals/{CODE}/process"


@pytest.fixture
def csrf(api: Api, settings: Settings, clock: FrozenClock) -> str:
    clock.set(OPEN)
    book(api.db, settings, clock, code=CODE)
    return api.staff_pages("o@sys.example", Role.OFFICER, "SYS")


def _post(api: Api, path: str, data: dict[str, str]) -> Any:
    return api.client.post(PAGE + path, data=data, headers=HTML, follow_redirects=False)


def test_check_in_record_and_correct_on_the_page(api: Api, csrf: str) -> None:
    shown = api.client.get(PAGE, headers=HTML)
    assert shown.status_code == 200
    assert "Check in now" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    done = _post(api, "/check-in", {"csrf_token": csrf})
    assert (done.status_code, done.headers["location"]) == (303, PAGE)
    shown = api.client.get(PAGE, headers=HTML)
    assert "Checked in at 10:00" in shown.text  # San Ysidro's wall clock
    assert 'value="1 Main St"' in shown.text  # the notice starts as the registered address
    nta = {
        "csrf_token": csrf,
        "disposition": "processed_nta",
        "address_line1": "1 Main St",
        "city": "Austin",
        "state": "TX",
    }
    assert _post(api, "/travelers/0", nta).status_code == 303
    bad = _post(api, "/travelers/1", {**nta, "state": "ZZ"})
    assert bad.status_code == 400
    assert "There is a problem" in bad.text
    assert 'href="#t1-state"' in bad.text
    other = _post(api, "/travelers/1", {"csrf_token": csrf, "disposition": "other"})
    assert other.status_code == 400
    assert "Write a note saying what happened." in other.text
    fine = {"csrf_token": csrf, "disposition": "refused"}
    assert _post(api, "/travelers/1", fine).status_code == 303
    fix = {"csrf_token": csrf, "disposition": "paroled", "correcting": "1", "reason": ""}
    no_reason = _post(api, "/travelers/1", fix)
    assert no_reason.status_code == 400
    assert 'href="#t1-reason"' in no_reason.text
    assert _post(api, "/travelers/1", {**fix, "reason": "supervisor"}).status_code == 303
    shown = api.client.get(PAGE, headers=HTML)
    assert "same address as registered" in shown.text
    assert "Correction: supervisor" in shown.text
    assert '<td class="who-did">o@sys.example</td>' in shown.text
    summary = api.client.get("/staff/ports/SYS/summary", params={"date": str(DAY)}, headers=HTML)
    assert summary.status_code == 200
    assert "1 of 1 (100%)" in summary.text


@pytest.mark.usefixtures("csrf")
def test_a_form_without_its_token_is_shown_again(api: Api) -> None:
    refused = _post(api, "/check-in", {"csrf_token": "not-it"})
    assert refused.status_code == 400
    assert "Check in now" in refused.text


def test_a_stale_session_confirms_who_they_are_first(
    api: Api, csrf: str, clock: FrozenClock
) -> None:
    clock.advance(minutes=6)
    for went in (
        api.client.get(PAGE, headers=HTML, follow_redirects=False),
        _post(api, "/check-in", {"csrf_token": csrf}),
    ):
        assert went.status_code == 303
        assert went.headers["location"].startswith("/staff/confirm?next=")
    clock.advance(minutes=-6)
    assert api.client.get(PAGE, headers=HTML).status_code == 200


def test_another_ports_officer_gets_the_refusal_page(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    clock.set(OPEN)
    book(api.db, settings, clock, code=CODE)
    api.staff_pages("o@elp.example", Role.OFFICER, "ELP")
    assert api.client.get(PAGE, headers=HTML).status_code == 403
    assert api.client.get("/staff/ports/SYS/summary", headers=HTML).status_code == 403
    own = api.client.get(f"/staff/ports/ELP/arrivals/{CODE}/process", headers=HTML)
    assert own.status_code == 404
