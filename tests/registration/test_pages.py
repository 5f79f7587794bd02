"""Registering on the pages: one traveler at a time, kept server-side, then sent whole."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image

from puerta.demo import synthetic_portrait
from tests.api_support import Api

HTML = {"Accept": "text/html"}
COOKIE = "__Host-puerta_session"

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


def _browser(api: Api, email: str = "ana@example.org") -> tuple[TestClient, str]:
    token = api.sign_up_verified(email)
    api.client.cookies.set(COOKIE, token)
    return api.client, token


def _add(browser: TestClient, fields: dict[str, str], path: str = "/register/travelers/new"):  # type: ignore[no-untyped-def]
    form = browser.get(path, headers=HTML)
    assert form.status_code == 200, form.text[:300]
    return browser.post(
        path, data={**fields, "csrf_token": _token(form.text)}, headers=HTML, follow_redirects=False
    )


def test_a_signed_out_browser_is_sent_to_sign_in(api: Api) -> None:
    for path in (
        "/register",
        "/register/travelers/new",
        "/register/check",
        "/registrations/R/photos",
    ):
        r = api.client.get(path, headers=HTML, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/sign-in"), path


def test_the_first_visit_opens_the_first_travelers_form(api: Api) -> None:
    browser, _ = _browser(api)
    r = browser.get("/register", headers=HTML, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/register/travelers/new")


def test_the_form_names_countries_languages_and_months_in_the_readers_language(api: Api) -> None:
    browser, _ = _browser(api)
    browser.cookies.set("puerta_lang", "es")
    r = browser.get("/register/travelers/new", headers=HTML)
    assert '<option value="HN">Honduras</option>' in r.text
    assert '<option value="DE">Alemania</option>' in r.text
    assert '<option value="3">Marzo</option>' in r.text
    assert '<option value="es" selected>Español</option>' in r.text  # the page's language first
    assert '<option value="MX" selected>México (+52)</option>' in r.text
    browser.cookies.set("puerta_lang", "ar")
    arabic = browser.get("/register/travelers/new", headers=HTML)
    assert '<option value="HN">هندوراس</option>' in arabic.text
    # A Latin address typed on a right-to-left page reads in its own direction.
    assert 'name="address_line1" type="text" value="" dir="auto"' in arabic.text


def test_a_family_is_added_one_at_a_time_checked_then_sent(api: Api) -> None:
    browser, token = _browser(api)
    saved = _add(browser, ANA)
    assert (saved.status_code, saved.headers["location"]) == (303, "/register")
    child = {**ANA, "given_names": "Mateo", "dob_year": "2019", "phone_number": "", "sex": "M"}
    assert _add(browser, child).status_code == 303
    overview = browser.get("/register", headers=HTML)
    assert "Ana Lucía Morales Pérez" in overview.text
    assert "Mateo Morales Pérez" in overview.text
    check = browser.get("/register/check", headers=HTML)
    assert "Honduras" in check.text
    assert "+52 55 1234 5678" in check.text
    assert "California" in check.text
    assert api.client.get("/api/v1/registrations", headers=api.auth(token)).json() == []
    sent = browser.post(
        "/register/check",
        data={"csrf_token": _token(check.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    rid = sent.headers["location"].split("/")[2]
    assert sent.headers["location"] == f"/registrations/{rid}/photos"
    made = api.client.get(f"/api/v1/registrations/{rid}", headers=api.auth(token)).json()
    assert [t["given_names"] for t in made["travelers"]] == ["Ana Lucía", "Mateo"]
    assert made["travelers"][0]["phone"] == "+525512345678"
    assert made["travelers"][0]["date_of_birth"] == "1990-03-27"
    again = browser.get("/register", headers=HTML, follow_redirects=False)
    assert again.headers["location"] == "/register/travelers/new"  # the draft is gone


def test_a_bad_form_comes_back_with_what_was_typed_and_saves_nothing(api: Api) -> None:
    browser, _ = _browser(api)
    bad = {**ANA, "dob_day": "31", "dob_month": "2", "phone_number": "12", "state": "ZZ"}
    r = _add(browser, bad)
    assert r.status_code == 400
    assert 'value="Ana Lucía"' in r.text  # what was typed
    summary = r.text.split('class="error-summary"')[1].split("</div>")[0]
    assert summary.index('href="#date_of_birth"') < summary.index('href="#phone_number"')
    assert 'href="#state"' in summary
    assert browser.get("/register", headers=HTML, follow_redirects=False).status_code == 303


def test_an_old_form_token_is_refused_and_saves_nothing(api: Api) -> None:
    browser, _ = _browser(api)
    browser.get("/register/travelers/new", headers=HTML)
    r = browser.post(
        "/register/travelers/new",
        data={**ANA, "csrf_token": "stale"},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 400
    assert "This form is too old" in r.text
    assert browser.get("/register", headers=HTML, follow_redirects=False).status_code == 303


def test_a_traveler_is_changed_and_removed(api: Api) -> None:
    browser, _ = _browser(api)
    _add(browser, ANA)
    _add(browser, {**ANA, "given_names": "Mateo"})
    change = browser.get("/register/travelers/1", headers=HTML)
    assert 'value="Ana Lucía"' in change.text
    assert 'value="55 1234 5678"' in change.text
    assert _add(browser, {**ANA, "given_names": "Ana"}, "/register/travelers/1").status_code == 303
    confirm = browser.get("/register/travelers/2/remove", headers=HTML)
    assert "Mateo Morales Pérez" in confirm.text
    gone = browser.post(
        "/register/travelers/2/remove",
        data={"csrf_token": _token(confirm.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert gone.status_code == 303
    overview = browser.get("/register", headers=HTML).text
    assert "Ana Morales Pérez" in overview
    assert "Mateo" not in overview


def test_the_maximum_number_of_travelers_holds(api: Api) -> None:
    browser, _ = _browser(api)
    maximum = api.client.app.state.settings.max_travelers  # type: ignore[attr-defined]
    for i in range(maximum):
        assert _add(browser, {**ANA, "given_names": f"P{i}"}).status_code == 303
    assert "Add another traveler" not in browser.get("/register", headers=HTML).text
    refused = _add(browser, {**ANA, "given_names": "One more"})
    assert refused.status_code == 400
    assert f"at most {maximum} travelers" in refused.text


def test_the_draft_belongs_to_its_session(api: Api) -> None:
    browser, _ = _browser(api)
    _add(browser, ANA)
    other = api.sign_up_verified("bo@example.org")
    browser.cookies.set(COOKIE, other)
    r = browser.get("/register", headers=HTML, follow_redirects=False)
    assert r.headers["location"] == "/register/travelers/new"


def _registered(api: Api) -> tuple[TestClient, str, str]:
    browser, token = _browser(api)
    _add(browser, ANA)
    _add(browser, {**ANA, "given_names": "Mateo", "dob_year": "2019"})
    check = browser.get("/register/check", headers=HTML)
    sent = browser.post("/register/check", data={"csrf_token": _token(check.text)}, headers=HTML)
    assert sent.status_code == 200
    return browser, token, str(sent.url).split("/")[-2]


def _send_photo(browser: TestClient, rid: str, number: int, data: bytes, name: str = "p.png"):  # type: ignore[no-untyped-def]
    page = browser.get(f"/registrations/{rid}/photos", headers=HTML)
    return browser.post(
        f"/registrations/{rid}/photos/{number}",
        data={"csrf_token": _token(page.text)},
        files={"photo": (name, data, "image/png")},
        headers=HTML,
        follow_redirects=False,
    )


def test_photos_are_sent_one_traveler_at_a_time(api: Api) -> None:
    browser, token, rid = _registered(api)
    page = browser.get(f"/registrations/{rid}/photos", headers=HTML)
    assert 'capture="user"' in page.text
    assert 'accept="image/jpeg,image/png"' in page.text
    first = _send_photo(browser, rid, 1, synthetic_portrait(1))
    assert (first.status_code, first.headers["location"]) == (
        303,
        f"/registrations/{rid}/photos?saved=1",
    )
    assert "Ask for an appointment" not in browser.get(first.headers["location"], headers=HTML).text
    assert _send_photo(browser, rid, 2, synthetic_portrait(2)).status_code == 303
    done = browser.get(f"/registrations/{rid}/photos", headers=HTML)
    assert f'href="/registrations/{rid}/ask"' in done.text
    made = api.client.get(f"/api/v1/registrations/{rid}", headers=api.auth(token)).json()
    assert made["complete"] is True


def _png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_a_photo_that_cannot_be_used_comes_back_as_advice(api: Api) -> None:
    browser, token, rid = _registered(api)
    cases = {
        b"not an image at all": "is not a photo Puerta can read",
        _png((120, 120), (200, 180, 160)): "too small for the officer to see the face",
    }
    for data, advice in cases.items():
        r = _send_photo(browser, rid, 1, data)
        assert r.status_code == 400
        assert advice in r.text
        assert 'href="#photo-1"' in r.text
    made = api.client.get(f"/api/v1/registrations/{rid}", headers=api.auth(token)).json()
    assert made["travelers"][0]["has_photo"] is False


def test_a_dark_photo_is_kept_with_advice(api: Api) -> None:
    browser, token, rid = _registered(api)
    r = _send_photo(browser, rid, 1, _png((400, 400), (12, 10, 8)))
    assert r.headers["location"] == f"/registrations/{rid}/photos?saved=1&dark=1"
    assert "looks dark" in browser.get(r.headers["location"], headers=HTML).text
    made = api.client.get(f"/api/v1/registrations/{rid}", headers=api.auth(token)).json()
    assert made["travelers"][0]["has_photo"] is True
