"""The check-in and disposition API: the happy path, the refusals as problems, and port
scope exactly as the arrivals routes apply it (403 for another port, before anything is
looked up; 404 for a code that is not at the path's port)."""

from __future__ import annotations

from typing import Any

import pytest

from puerta.accounts.models import Role
from puerta.audit import service as audit_service
from puerta.clock import FrozenClock
from puerta.config import Settings
from tests.api_support import Api
from tests.arrivals.world import DAY, OPEN, book

CODE = "SYSA000001"
CANCELLED = "SYSC000001"
HOME = {"address_line1": "1 Main Street", "city": "Austin", "state": "tx"}


@pytest.fixture
def tokens(api: Api, settings: Settings, clock: FrozenClock) -> dict[str, str]:
    clock.set(OPEN)
    book(api.db, settings, clock, code=CODE)
    book(api.db, settings, clock, code=CANCELLED, status="cancelled", travelers=1)
    book(api.db, settings, clock, code="ELPA000001", port="ELP", travelers=1)
    return {
        "sys": api.staff("o@sys.example", Role.OFFICER, "SYS"),
        "elp": api.staff("o@elp.example", Role.OFFICER, "ELP"),
        "analyst": api.staff("a@example.org", Role.ANALYST),
    }


def _post(api: Api, token: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return api.client.post(f"/api/v1/ports/{path}", json=body, headers=api.auth(token))


def _code(response: Any) -> str:
    return response.json()["code"]


def test_check_in_then_a_disposition_per_traveler_then_a_correction(
    api: Api, tokens: dict[str, str], clock: FrozenClock
) -> None:
    sys = tokens["sys"]
    arrived = _post(api, sys, f"SYS/appointments/{CODE}/check-in")
    assert arrived.status_code == 200, arrived.text
    body = arrived.json()
    assert (body["status"], body["checked_in_at"]) == ("arrived", "2026-03-04T18:00:00Z")
    assert [t["disposition"] for t in body["travelers"]] == ["pending", "pending"]
    nta = _post(
        api,
        sys,
        f"SYS/appointments/{CODE.lower()}/travelers/0/disposition",
        {"disposition": "processed_nta", "notice_address": HOME},
    )
    assert nta.status_code == 200, nta.text
    notice = nta.json()["travelers"][0]["notice_address"]
    assert (notice["key"], notice["matched"], notice["state"]) == (
        "1 MAIN ST||AUSTIN|TX",
        True,
        "TX",
    )
    other = _post(
        api,
        sys,
        f"SYS/appointments/{CODE}/travelers/1/disposition",
        {"disposition": "other", "note": "to secondary inspection"},
    )
    assert other.status_code == 200, other.text
    clock.advance(minutes=3)
    fixed = _post(
        api,
        sys,
        f"SYS/appointments/{CODE}/travelers/1/disposition/correct",
        {"disposition": "paroled", "reason": "supervisor decided parole"},
    )
    assert fixed.status_code == 200, fixed.text
    got = api.client.get(f"/api/v1/ports/SYS/appointments/{CODE}/process", headers=api.auth(sys))
    assert got.status_code == 200
    assert [t["disposition"] for t in got.json()["travelers"]] == ["processed_nta", "paroled"]
    assert [(e["position"], e["to_status"], e["reason"]) for e in got.json()["history"]] == [
        (None, "arrived", None),
        (0, "processed_nta", None),
        (1, "other", None),
        (1, "paroled", "supervisor decided parole"),
    ]
    summary = api.client.get(
        "/api/v1/ports/SYS/summary", params={"date": str(DAY)}, headers=api.auth(sys)
    )
    assert summary.status_code == 200, summary.text
    figures = summary.json()
    assert figures["expected"] == {"groups": 1, "travelers": 2}
    assert figures["arrived"] == {"groups": 1, "travelers": 2}
    assert figures["cancelled"] == {"groups": 1, "travelers": 1}
    assert figures["dispositions"]["processed_nta"] == 1
    assert figures["dispositions"]["paroled"] == 1
    assert figures["address_match"] == {"matched": 1, "total": 1, "rate": 1.0}


def test_the_refusals_are_coded_problems(api: Api, tokens: dict[str, str]) -> None:
    sys = tokens["sys"]
    early = _post(
        api, sys, f"SYS/appointments/{CODE}/travelers/0/disposition", {"disposition": "paroled"}
    )
    assert (early.status_code, _code(early)) == (409, "staff.arrival.not_checked_in")
    cancelled = _post(api, sys, f"SYS/appointments/{CANCELLED}/check-in")
    assert (cancelled.status_code, _code(cancelled)) == (409, "staff.arrival.cancelled")
    assert _post(api, sys, f"SYS/appointments/{CODE}/check-in").status_code == 200
    twice = _post(api, sys, f"SYS/appointments/{CODE}/check-in")
    assert (twice.status_code, _code(twice)) == (409, "lifecycle.invalid_transition")
    path = f"SYS/appointments/{CODE}/travelers/0/disposition"
    no_address = _post(api, sys, path, {"disposition": "processed_nta"})
    assert (no_address.status_code, _code(no_address)) == (
        422,
        "staff.disposition.notice_address_required",
    )
    bad_state = _post(
        api, sys, path, {"disposition": "processed_nta", "notice_address": {**HOME, "state": "ZZ"}}
    )
    assert bad_state.status_code == 422
    assert bad_state.json()["errors"][0]["code"] == "value.us_state"
    no_note = _post(api, sys, path, {"disposition": "other"})
    assert (no_note.status_code, _code(no_note)) == (422, "staff.disposition.note_required")
    pending = _post(api, sys, path, {"disposition": "pending"})
    assert pending.status_code == 422
    nobody = _post(
        api, sys, f"SYS/appointments/{CODE}/travelers/5/disposition", {"disposition": "refused"}
    )
    assert (nobody.status_code, _code(nobody)) == (404, "registration.no_traveler")
    assert _post(api, sys, path, {"disposition": "refused"}).status_code == 200
    again = _post(api, sys, path, {"disposition": "paroled"})
    assert (again.status_code, _code(again)) == (409, "staff.disposition.already_recorded")
    no_reason = _post(api, sys, path + "/correct", {"disposition": "paroled", "reason": ""})
    assert no_reason.status_code == 422
    blank = _post(api, sys, path + "/correct", {"disposition": "paroled", "reason": "   "})
    assert (blank.status_code, _code(blank)) == (422, "staff.correction.reason_required")
    mistaken = _post(api, sys, f"SYS/appointments/{CODE}/no-show", {"reason": "wrong group"})
    assert mistaken.status_code == 200, mistaken.text
    assert {t["disposition"] for t in mistaken.json()["travelers"]} == {"no_show"}
    late = _post(api, sys, f"SYS/appointments/{CODE}/check-in", {})
    assert (late.status_code, _code(late)) == (422, "staff.correction.reason_required")
    late = _post(api, sys, f"SYS/appointments/{CODE}/check-in", {"reason": "it was them"})
    assert late.status_code == 200, late.text


ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "appointments/{code}/process", None),
    ("POST", "appointments/{code}/check-in", None),
    ("POST", "appointments/{code}/no-show", {"reason": "x"}),
    ("POST", "appointments/{code}/travelers/0/disposition", {"disposition": "refused"}),
    (
        "POST",
        "appointments/{code}/travelers/0/disposition/correct",
        {"disposition": "refused", "reason": "x"},
    ),
]


def test_port_scope_as_the_arrivals_routes_apply_it(api: Api, tokens: dict[str, str]) -> None:
    elp = api.auth(tokens["elp"])
    # The arrivals routes' own answers, which every route here gives alike.
    listed = api.client.get(
        "/api/v1/ports/SYS/appointments", params={"date": str(DAY)}, headers=elp
    )
    assert (listed.status_code, _code(listed)) == (403, "access.port_scope")
    looked_up = api.client.get(f"/api/v1/appointments/{CODE}", headers=elp)
    assert (looked_up.status_code, _code(looked_up)) == (404, "appointment.code_not_found")
    for method, path, body in ROUTES:

        def call(
            port: str, code: str, path: str = path, method: str = method, body: Any = body
        ) -> Any:
            url = f"/api/v1/ports/{port}/" + path.format(code=code)
            return api.client.request(method, url, json=body, headers=elp)

        # Another port in the path: 403 whether the code exists there or not.
        for refused in (call("SYS", CODE), call("SYS", "NOSUCHCODE"), call("XXX", CODE)):
            assert (refused.status_code, _code(refused)) == (403, "access.port_scope"), path
        # Their own port in the path, another port's code: "not found", as the lookup says.
        for missing in (call("ELP", CODE), call("ELP", "NOSUCHCODE")):
            assert (missing.status_code, _code(missing)) == (404, "appointment.code_not_found")
    with api.db.session() as s:
        from puerta.arrivals.models import Arrival

        assert s.query(Arrival).count() == 0  # nothing was written by a refused call


def test_analysts_see_every_port_and_the_summary_is_scoped(
    api: Api, tokens: dict[str, str]
) -> None:
    analyst, elp = api.auth(tokens["analyst"]), api.auth(tokens["elp"])
    got = api.client.get(f"/api/v1/ports/SYS/appointments/{CODE}/process", headers=analyst)
    assert (got.status_code, got.json()["status"], got.json()["travelers"]) == (200, "expected", [])
    day = {"date": str(DAY)}
    assert (
        api.client.get("/api/v1/ports/SYS/summary", params=day, headers=analyst).status_code == 200
    )
    refused = api.client.get("/api/v1/ports/SYS/summary", params=day, headers=elp)
    assert (refused.status_code, _code(refused)) == (403, "access.port_scope")
    own = api.client.get("/api/v1/ports/ELP/summary", params=day, headers=elp)
    assert own.json()["expected"] == {"groups": 1, "travelers": 1}
    anonymous = api.client.get("/api/v1/ports/SYS/summary", params=day)
    assert anonymous.status_code == 401


# A read's row commits in a unit of work of its own: on the savepoint store it would be
# rolled back with the request's read-only one, so this test commits for real.
@pytest.mark.committing
def test_every_change_and_read_writes_an_audit_row(api: Api, tokens: dict[str, str]) -> None:
    sys = tokens["sys"]
    assert _post(api, sys, f"SYS/appointments/{CODE}/check-in").status_code == 200
    path = f"SYS/appointments/{CODE}/travelers/0/disposition"
    assert (
        _post(api, sys, path, {"disposition": "processed_nta", "notice_address": HOME}).status_code
        == 200
    )
    fixed = _post(api, sys, path + "/correct", {"disposition": "refused", "reason": "mixed up"})
    assert fixed.status_code == 200
    read = api.client.get(f"/api/v1/ports/SYS/appointments/{CODE}/process", headers=api.auth(sys))
    assert read.status_code == 200
    refused = _post(api, tokens["elp"], f"SYS/appointments/{CODE}/check-in")
    assert refused.status_code == 403
    with api.db.read_only() as s:
        events = audit_service.search(s, subject_kind="appointment", subject_id=CODE)
        rows = [(e.action, e.actor_email, e.port_code, e.detail, e.ip) for e in reversed(events)]
    assert [r[:3] for r in rows] == [
        ("arrival.check_in", "o@sys.example", "SYS"),
        ("disposition.record", "o@sys.example", "SYS"),
        ("disposition.correct", "o@sys.example", "SYS"),
        ("arrival.read", "o@sys.example", "SYS"),
    ]
    record, correct = rows[1][3], rows[2][3]
    assert record == {
        "position": 0,
        "from": "pending",
        "to": "processed_nta",
        "address_matched": True,
    }
    assert correct["reason"] == "mixed up"
    assert all(r[4] for r in rows)
