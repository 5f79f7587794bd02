"""The applicant's journey end to end, through the HTTP API, on each backend."""

from __future__ import annotations

from datetime import date

from puerta.accounts.models import Role
from puerta.config import Settings
from puerta.demo import synthetic_portrait
from puerta.draw import service as draw_service
from puerta.ports.models import PortDay
from tests.api_support import TIJUANA, Api

POOL_DAY = date(2026, 3, 4)


def run_draw(api: Api, settings: Settings) -> None:
    api.clock.advance(hours=1, minutes=5)  # 11:05 New York: the window has closed
    with api.db.session() as s:
        draw_service.run_draw(s, pool_date=POOL_DAY, settings=settings, clock=api.clock)


def test_whole_journey(api: Api, settings: Settings) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2)
    status = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(token))
    assert status.json()["stage"] == "no_request"

    r = api.request(token, rid, "SYS")
    assert r.status_code == 201, r.text
    assert r.json()["pool_date"] == POOL_DAY.isoformat()
    again = api.request(token, rid, "SYS")
    assert again.status_code == 200
    assert again.json()["id"] == r.json()["id"]
    status = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(token))
    assert status.json()["stage"] == "pending_request"

    run_draw(api, settings)
    status = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(token))
    assert status.json()["stage"] == "selected"
    selection = api.client.get(f"/api/v1/registrations/{rid}/selection", headers=api.auth(token))
    assert selection.json()["seats"] == 2

    confirmed = api.client.post(
        f"/api/v1/registrations/{rid}/selection/confirm",
        files={"live_photo": ("live.png", synthetic_portrait(424242), "image/png")},
        data={k: str(v) for k, v in TIJUANA.items()},
        headers=api.auth(token),
    )
    assert confirmed.status_code == 200, confirmed.text
    appointment = confirmed.json()
    assert appointment["port_code"] == "SYS"
    assert appointment["day"] == "2026-03-18"
    assert len(appointment["code"]) == 10
    qr = api.client.get(f"/api/v1/registrations/{rid}/appointment/qr.png", headers=api.auth(token))
    assert qr.headers["content-type"] == "image/png"
    assert qr.content.startswith(b"\x89PNG")

    officer = api.staff("officer@sys.example", Role.OFFICER, "SYS")
    listing = api.client.get(
        "/api/v1/ports/SYS/appointments", params={"date": "2026-03-18"}, headers=api.auth(officer)
    )
    assert [a["code"] for a in listing.json()] == [appointment["code"]]
    assert len(listing.json()[0]["travelers"]) == 2
    lookup = api.client.get(
        f"/api/v1/appointments/{appointment['code'].lower()}", headers=api.auth(officer)
    )
    assert lookup.status_code == 200

    cancelled = api.client.post(
        f"/api/v1/registrations/{rid}/appointment/cancel", headers=api.auth(token)
    )
    assert cancelled.json()["status"] == "cancelled"
    with api.db.session() as s:
        ledger = s.get(PortDay, ("SYS", date(2026, 3, 18)))
        assert ledger is not None
        assert (ledger.booked, ledger.offered) == (0, 0)
    status = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(token))
    assert status.json()["stage"] == "cancelled"


def test_not_selected_can_ask_again_tomorrow(api: Api, settings: Settings) -> None:
    settings.port_shares = {"SYS": 1.0}
    settings.daily_capacity = 1
    with api.db.session() as s:
        from puerta.ports import service as ports_service

        ports_service.ensure_ports(s, settings)
    tokens = [api.sign_up_verified(f"p{i}@example.org") for i in range(3)]
    rids = [api.registration(t) for t in tokens]
    for t, rid in zip(tokens, rids, strict=True):
        assert api.request(t, rid).status_code == 201
    run_draw(api, settings)
    stages = [
        api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(t)).json()["stage"]
        for t, rid in zip(tokens, rids, strict=True)
    ]
    assert sorted(stages) == ["not_selected", "not_selected", "selected"]
    loser = stages.index("not_selected")
    api.clock.advance(hours=1)  # 12:05: the next window is open
    again = api.request(tokens[loser], rids[loser])
    assert again.status_code == 201
    assert again.json()["pool_date"] == "2026-03-05"


def test_withdrawn_registration_cannot_request(api: Api) -> None:
    token = api.sign_up_verified("w@example.org")
    rid = api.registration(token)
    r = api.client.post(f"/api/v1/registrations/{rid}/withdraw", headers=api.auth(token))
    assert r.json()["status"] == "withdrawn"
    refused = api.request(token, rid)
    assert refused.status_code == 409
    assert refused.json()["code"] == "request.registration_inactive"
    assert refused.json()["params"] == {"state": "withdrawn"}


def test_asking_again_for_another_port_says_the_days_request_stands(api: Api) -> None:
    """A retry returns the request; another port the same day is not silently dropped."""
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token)
    first = api.request(token, rid, "SYS")
    assert first.status_code == 201, first.text
    elsewhere = api.request(token, rid, "ELP")
    assert elsewhere.status_code == 409, elsewhere.text
    assert elsewhere.json()["code"] == "request.asked_elsewhere"
    assert elsewhere.json()["params"]["port_code"] == "SYS"
    assert "SYS" in elsewhere.json()["detail"]
    retry = api.request(token, rid, "sys")
    assert (retry.status_code, retry.json()["id"]) == (200, first.json()["id"])
