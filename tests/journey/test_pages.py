"""The applicant's registrations and status as pages, through a session cookie."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from puerta.config import Settings
from puerta.demo import synthetic_portrait
from tests.api.test_journey import run_draw
from tests.api_support import TIJUANA, Api

HTML = {"Accept": "text/html"}
COOKIE = "__Host-puerta_session"


def _browser(api: Api, token: str) -> TestClient:
    api.client.cookies.set(COOKIE, token)
    return api.client


def test_a_signed_out_browser_is_sent_to_sign_in(api: Api) -> None:
    for path in ("/registrations", "/registrations/R-ANY"):
        r = api.client.get(path, headers=HTML, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/sign-in")


def test_the_status_page_follows_the_journey(api: Api, settings: Settings) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2)
    assert api.request(token, rid).status_code == 201
    browser = _browser(api, token)
    listed = browser.get("/registrations", headers=HTML)
    assert f'href="/registrations/{rid}"' in listed.text
    assert "Your request is in the pool for the next draw." in listed.text
    pending = browser.get(f"/registrations/{rid}", headers=HTML)
    assert "Your request is in the draw of March 4, 2026 for San Ysidro" in pending.text
    assert 'href="/draws/2026-03-04"' in pending.text
    run_draw(api, settings)
    selected = browser.get(f"/registrations/{rid}", headers=HTML)
    assert "You were selected. Confirm before the deadline." in selected.text
    assert "Confirm before" in selected.text
    browser.cookies.clear()
    confirmed = api.client.post(
        f"/api/v1/registrations/{rid}/selection/confirm",
        files={"live_photo": ("live.png", synthetic_portrait(4242), "image/png")},
        data={k: str(v) for k, v in TIJUANA.items()},
        headers=api.auth(token),
    )
    assert confirmed.status_code == 200, confirmed.text
    code = confirmed.json()["code"]
    booked = _browser(api, token).get(f"/registrations/{rid}", headers=HTML)
    assert "Your appointment is confirmed." in booked.text
    assert code in booked.text
    assert "720 E San Ysidro Blvd" in booked.text or "San Ysidro, CA" in booked.text
    assert f"/api/v1/registrations/{rid}/appointment/qr.png" in booked.text
    qr = api.client.get(f"/api/v1/registrations/{rid}/appointment/qr.png")
    assert qr.headers["content-type"] == "image/png"  # the cookie opens the image too


def test_someone_elses_registration_is_not_found(api: Api) -> None:
    ana = api.sign_up_verified("ana@example.org")
    rid = api.registration(ana)
    bo = api.sign_up_verified("bo@example.org")
    r = _browser(api, bo).get(f"/registrations/{rid}", headers=HTML)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")


def _ask_token(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_asking_through_the_page(api: Api) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=1)
    browser = _browser(api, token)
    status = browser.get(f"/registrations/{rid}", headers=HTML)
    assert f'href="/registrations/{rid}/ask"' in status.text
    form = browser.get(f"/registrations/{rid}/ask", headers=HTML)
    assert "San Ysidro" in form.text
    assert "people a day" in form.text
    csrf = _ask_token(form.text)
    url = f"/registrations/{rid}/ask"
    blind = browser.post(url, data={"port_code": "SYS", "csrf_token": csrf}, headers=HTML)
    assert blind.status_code == 400
    assert "could not read where you are" in blind.text
    far = browser.post(
        url,
        data={"port_code": "SYS", "latitude": "40.7", "longitude": "-74.0", "csrf_token": csrf},
        headers=HTML,
    )
    assert far.status_code == 400
    assert "outside the area" in far.text
    forged = browser.post(
        url, data={"port_code": "SYS", **{k: str(v) for k, v in TIJUANA.items()}}, headers=HTML
    )
    assert forged.status_code == 400  # no session token in the form: nothing written
    assert 'name="accuracy"' in form.text  # location.js fills it with coords.accuracy
    asked = browser.post(
        url,
        data={
            "port_code": "ELP",
            **{k: str(v) for k, v in TIJUANA.items()},
            "accuracy": "24",
            "csrf_token": csrf,
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert (asked.status_code, asked.headers["location"]) == (303, f"/registrations/{rid}")
    with api.db.session() as s:  # kept as evidence for the location signals
        from puerta.requests.models import AppointmentRequest

        assert s.scalars(select(AppointmentRequest.accuracy_m)).one() == 24.0
    after = browser.get(f"/registrations/{rid}", headers=HTML)
    assert "Your request is in the draw of March 4, 2026 for El Paso" in after.text


def test_confirming_through_the_page_then_the_calendar_event(api: Api, settings: Settings) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=1)
    assert api.request(token, rid).status_code == 201
    run_draw(api, settings)
    browser = _browser(api, token)
    status = browser.get(f"/registrations/{rid}", headers=HTML)
    assert f'href="/registrations/{rid}/confirm"' in status.text
    form = browser.get(f"/registrations/{rid}/confirm", headers=HTML)
    assert 'capture="user"' in form.text
    csrf = _ask_token(form.text)
    url = f"/registrations/{rid}/confirm"
    where = {k: str(v) for k, v in TIJUANA.items()}
    no_photo = browser.post(url, data={**where, "csrf_token": csrf}, headers=HTML)
    assert no_photo.status_code == 400
    assert "Take a live photo" in no_photo.text
    done = browser.post(
        url,
        data={**where, "accuracy": "9", "csrf_token": csrf},
        files={"live_photo": ("live.png", synthetic_portrait(777), "image/png")},
        headers=HTML,
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/registrations/{rid}"), (
        done.text[:500]
    )
    booked = browser.get(f"/registrations/{rid}", headers=HTML)
    assert "Your appointment is confirmed." in booked.text
    with api.db.session() as s:
        from puerta.confirmation.models import LivenessCheck

        assert s.scalars(select(LivenessCheck.accuracy_m)).one() == 9.0
    ics = browser.get(f"/registrations/{rid}/appointment.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "DTSTART;TZID=America/Los_Angeles:20260318T" in ics.text  # San Ysidro's own time
    assert ics.text.endswith("END:VCALENDAR\r\n")


def test_a_photo_that_is_not_a_face_is_advice_on_the_page(api: Api, settings: Settings) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=1)
    assert api.request(token, rid).status_code == 201
    run_draw(api, settings)
    browser = _browser(api, token)
    csrf = _ask_token(browser.get(f"/registrations/{rid}/confirm", headers=HTML).text)
    bad = browser.post(
        f"/registrations/{rid}/confirm",
        data={**{k: str(v) for k, v in TIJUANA.items()}, "csrf_token": csrf},
        files={"live_photo": ("x.png", b"not an image at all", "image/png")},
        headers=HTML,
    )
    assert bad.status_code == 400
    assert "There is a problem" in bad.text


def _do(browser: TestClient, rid: str, action: str) -> Any:
    step = browser.get(f"/registrations/{rid}/{action}", headers=HTML)
    assert step.status_code == 200, step.text[:300]
    return browser.post(
        f"/registrations/{rid}/{action}",
        data={"csrf_token": _ask_token(step.text)},
        headers=HTML,
        follow_redirects=False,
    )


def test_each_change_has_a_confirm_step(api: Api, settings: Settings) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=1)
    assert api.request(token, rid).status_code == 201
    run_draw(api, settings)
    browser = _browser(api, token)
    selected = browser.get(f"/registrations/{rid}", headers=HTML)
    for action in ("extend", "decline", "withdraw"):
        assert f'href="/registrations/{rid}/{action}"' in selected.text
    assert _do(browser, rid, "extend").status_code == 303
    again = _do(browser, rid, "extend")  # the one extension is spent: said on the page
    assert again.status_code == 400
    assert "already been used" in again.text
    unsent = browser.post(f"/registrations/{rid}/decline", data={}, headers=HTML)
    assert unsent.status_code == 400  # no token in the form: nothing changes
    assert _do(browser, rid, "decline").status_code == 303
    declined = browser.get(f"/registrations/{rid}", headers=HTML)
    assert "You declined the selection." in declined.text
    assert _do(browser, rid, "withdraw").status_code == 303
    gone = browser.get(f"/registrations/{rid}", headers=HTML)
    assert "This registration was withdrawn." in gone.text
    assert f'href="/registrations/{rid}/withdraw"' not in gone.text
    assert browser.get(f"/registrations/{rid}/explode", headers=HTML).status_code == 404


def test_not_selected_shows_the_days_figures_and_the_draw_page_checks_it(
    api: Api, settings: Settings
) -> None:
    from sqlalchemy import update

    from puerta.ports.models import Port

    with api.db.session() as s:
        s.execute(update(Port).where(Port.code == "SYS").values(daily_capacity=1))
        s.commit()
    owners = [api.sign_up_verified(f"p{i}@example.org") for i in range(3)]
    rids = [api.registration(t, travelers=1) for t in owners]
    for t, rid in zip(owners, rids, strict=True):
        assert api.request(t, rid, "SYS").status_code == 201
    run_draw(api, settings)
    pages = {}
    for t, rid in zip(owners, rids, strict=True):
        pages[rid] = _browser(api, t).get(f"/registrations/{rid}", headers=HTML).text
    losers = [text for text in pages.values() if "You were not selected" in text]
    winners = [text for text in pages.values() if "You were selected" in text]
    assert (len(losers), len(winners)) == (2, 1)
    row = re.search(r'<tr class="yours"><th scope="row">San Ysidro</th>(.*?)</tr>', losers[0])
    assert row is not None
    assert re.findall(r">(\d+)<", row.group(1)) == ["3", "1", "1"]  # asked, chosen, seats
    assert "min left" in winners[0]
    assert "data-deadline=" in winners[0]
    draw = api.client.get("/draws/2026-03-04", headers=HTML)
    assert draw.status_code == 200
    assert "every check holds" in draw.text
    assert draw.text.count("Holds:") >= 5
    assert api.client.get("/draws/2026-01-01", headers=HTML).status_code == 404
