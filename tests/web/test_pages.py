"""The pages' foundation: the start page, the language choice, error pages, the catalog.

The pseudo-locale test renders each page with a catalog that wraps every
message in ⟦ ⟧; any visible text outside the brackets did not pass through the
catalog (a string left in English in a template), unless it is data the page
shows (a port's name, a number, the product's name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.support import NullTranslations
from fastapi.testclient import TestClient

from puerta.web import pages
from puerta.web.language import LANGUAGE_COOKIE
from tests.api_support import Api

HTML = {"Accept": "text/html,application/xhtml+xml"}
PSEUDO = "eo"  # a locale Babel knows and Puerta does not ship: formats work, names differ


class Pseudo(NullTranslations):
    """Every message wrapped, placeholders kept: ``⟦Sign in⟧``."""

    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"

    def pgettext(self, _context: str, message: str) -> str:
        return f"⟦{message}⟧"

    def npgettext(self, _context: str, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"

    # Babel's NullTranslations binds these aliases to the base class's methods.
    ugettext, ungettext = gettext, ngettext
    upgettext, unpgettext = pgettext, npgettext


@pytest.fixture
def pseudo(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from puerta.i18n import translate

    real_catalog, real_locales = translate.catalog, translate.available_locales
    monkeypatch.setattr(
        translate, "catalog", lambda loc: Pseudo() if loc == PSEUDO else real_catalog(loc)
    )
    for module in (translate, pages):
        monkeypatch.setattr(module, "available_locales", lambda: (*real_locales(), PSEUDO))
    from puerta.web import home, language

    monkeypatch.setattr(language, "available_locales", lambda: (*real_locales(), PSEUDO))
    monkeypatch.setattr(home, "available_locales", lambda: (*real_locales(), PSEUDO))
    monkeypatch.setattr(pages, "catalog", translate.catalog)
    pages.environment.cache_clear()
    pages.language_choices.cache_clear()
    yield PSEUDO
    pages.environment.cache_clear()
    pages.language_choices.cache_clear()


class Visible(HTMLParser):
    """The text a reader sees, minus what is data by nature (options, code samples)."""

    SKIP = frozenset({"script", "style", "option", "code"})

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skipping: list[str] = []
        self.title = ""

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.chunks.append(data.strip())


def untranslated(html: str, data: set[str]) -> list[str]:
    parser = Visible()
    parser.feed(html)
    text = " ".join(parser.chunks)
    outside = re.sub(r"⟦[^⟧]*⟧", " ", text)
    for item in sorted(data, key=len, reverse=True):
        outside = outside.replace(item, " ")
    leftovers = re.sub(r"[\s\d.,:;·()/–-]+", " ", outside).split()
    return [w for w in leftovers if w not in {"Puerta", "/docs"}]


def _port_data() -> set[str]:
    from puerta.ports.catalogue import PORTS

    out: set[str] = set()
    for port in PORTS:
        out |= {port.name, port.city, port.state}
    return out


def test_every_visible_string_of_the_start_page_passes_through_the_catalog(
    api: Api, pseudo: str
) -> None:
    api.client.cookies.set(LANGUAGE_COOKIE, pseudo)
    r = api.client.get("/", headers=HTML)
    assert r.status_code == 200
    assert untranslated(r.text, _port_data() | {"✓", "✗"}) == []
    assert f'lang="{pseudo}"' in r.text


def test_the_untranslated_check_can_fail() -> None:
    assert untranslated("<p>⟦Fine⟧ Left in English</p>", set()) == ["Left", "in", "English"]


@pytest.mark.parametrize("path", ["/no-such-page", "/api/v1/registrations/R-NONE/status"])
def test_error_pages_pass_through_the_catalog(api: Api, pseudo: str, path: str) -> None:
    api.client.cookies.set(LANGUAGE_COOKIE, pseudo)
    r = api.client.get(path, headers=HTML)
    if path.startswith("/api/"):  # the API answers JSON whatever the Accept header
        assert r.headers["content-type"].startswith("application/problem+json")
        return
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert untranslated(r.text, set()) == []


def test_the_start_page_says_what_puerta_is_and_shows_the_ports(client: TestClient) -> None:
    r = client.get("/", headers=HTML)
    assert r.status_code == 200
    assert '<html lang="en" dir="ltr">' in r.text
    assert "Nobody can sell you an appointment or a better chance" in r.text
    assert "Asking early gives no advantage" in r.text
    assert "San Ysidro" in r.text
    assert "test-secret" not in r.text  # templates never see the settings object
    # The language chooser comes before the page's own content.
    assert r.text.index('name="lang"') < r.text.index("<main")


def test_the_language_choice_is_kept_and_only_local_paths_are_followed(
    client: TestClient,
) -> None:
    kept = client.get("/language", params={"lang": "en", "next": "/docs"}, follow_redirects=False)
    assert kept.status_code == 303
    assert kept.headers["location"] == "/docs"
    assert f"{LANGUAGE_COOKIE}=en" in kept.headers["set-cookie"]
    for elsewhere in ("https://evil.example/", "//evil.example/", "evil"):
        r = client.get(
            "/language", params={"lang": "en", "next": elsewhere}, follow_redirects=False
        )
        assert r.headers["location"] == "/"
    unknown = client.get("/language", params={"lang": "xx", "next": "/"}, follow_redirects=False)
    assert "set-cookie" not in unknown.headers


def test_the_choice_order(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.requests import Request

    from puerta.web import language

    monkeypatch.setattr(language, "available_locales", lambda: ("en", "es", "ht"))

    def request(**parts: Any) -> Request:
        headers = [(k.encode(), v.encode()) for k, v in parts.get("headers", {}).items()]
        scope = {"type": "http", "headers": headers, "app": client.app, **parts.get("scope", {})}
        return Request(scope)

    header = {"accept-language": "ht, en;q=0.5"}
    assert language.locale_of(request(headers=header)) == "ht"
    account = {language.ACCOUNT_LANGUAGE: "es"}
    assert language.locale_of(request(headers=header, scope=account)) == "es"
    chosen = {**header, "cookie": f"{LANGUAGE_COOKIE}=en"}
    assert language.locale_of(request(headers=chosen, scope=account)) == "en"
    assert language.locale_of(request(headers={"accept-language": "fr"})) == "en"


def test_api_errors_stay_json_for_api_clients(client: TestClient) -> None:
    r = client.get("/no-such-page")
    assert r.headers["content-type"].startswith("application/problem+json")


FORM_PAGES = ["/account/new", "/account/verify", "/sign-in", "/account/forgot", "/account/reset"]


@pytest.mark.parametrize("path", FORM_PAGES)
def test_every_visible_string_of_the_account_pages_passes_through_the_catalog(
    api: Api, pseudo: str, path: str
) -> None:
    api.client.cookies.set(LANGUAGE_COOKIE, pseudo)
    r = api.client.get(path, headers=HTML)
    assert r.status_code == 200
    assert untranslated(r.text, set()) == []
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    failed = api.client.post(
        path, data={"email": "x", "password": "y", "code": "z", "csrf_token": token}, headers=HTML
    )
    assert failed.status_code == 400
    assert untranslated(failed.text, {"x"}) == []


def test_every_visible_string_of_the_applicants_pages_passes_through_the_catalog(
    api: Api, pseudo: str
) -> None:
    from tests.api.test_journey import run_draw

    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=2)
    assert api.request(token, rid).status_code == 201
    run_draw(api, api.client.app.state.settings)  # type: ignore[attr-defined]
    api.client.cookies.set(LANGUAGE_COOKIE, pseudo)
    api.client.cookies.set("__Host-puerta_session", token)
    names = {"Ana 0", "Ana 1", "Morales Pérez", "ana@example.org"}
    for path in ("/registrations", f"/registrations/{rid}", "/account"):
        r = api.client.get(path, headers=HTML)
        assert r.status_code == 200, (path, r.text[:300])
        assert untranslated(r.text, names | _port_data()) == [], path


def test_every_visible_string_of_the_registration_pages_passes_through_the_catalog(
    api: Api, pseudo: str
) -> None:
    from puerta.demo import synthetic_portrait
    from tests.api.test_journey import run_draw
    from tests.registration.test_pages import ANA, _add, _registered, _send_photo, _token

    browser, token, rid = _registered(api)
    _add(browser, ANA)  # a new draft, for its pages
    browser.cookies.set(LANGUAGE_COOKIE, pseudo)
    names = {"Ana Lucía", "Mateo", "Morales Pérez", "100 Shelter Way", "San Diego", "92101"}
    names |= {"Ana Lucía Morales Pérez", "Mateo Morales Pérez", "+52 55 1234 5678", "California"}
    names |= {
        "Honduras",
        "Hondurio",
        "hispana",
        "Hispana",
        "Honduro",
        "Mar",
        "Marto",
    }  # CLDR data (eo)
    paths = ["/register", "/register/travelers/new", "/register/travelers/1"]
    paths += ["/register/travelers/1/remove", "/register/check", f"/registrations/{rid}/photos"]
    for path in paths:
        r = browser.get(path, headers=HTML)
        assert r.status_code == 200, (path, r.text[:300])
        assert untranslated(r.text, names | _port_data()) == [], path
    form = browser.get("/register/travelers/new", headers=HTML)
    failed = browser.post(
        "/register/travelers/new",
        data={**ANA, "dob_day": "x", "csrf_token": _token(form.text)},
        headers=HTML,
    )
    assert failed.status_code == 400
    assert untranslated(failed.text, names | _port_data()) == []
    advice = _send_photo(browser, rid, 1, b"not a photo")
    assert untranslated(advice.text, names | _port_data()) == []
    for n in (1, 2):
        _send_photo(browser, rid, n, synthetic_portrait(n))
    asked = api.request(token, rid)
    assert asked.status_code == 201, asked.text
    pool_date = asked.json()["pool_date"]
    run_draw(api, api.client.app.state.settings)  # type: ignore[attr-defined]
    r = browser.get(f"/draws/{pool_date}", headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert untranslated(r.text, _port_data() | {"✓", "✗"}) == []


def test_pages_are_sent_compressed_and_the_api_is_not(api: Api) -> None:
    from tests.registration.test_pages import _browser

    browser, _ = _browser(api)
    form = browser.get("/register/travelers/new", headers={**HTML, "Accept-Encoding": "gzip"})
    assert form.headers["content-encoding"] == "gzip"
    assert len(form.text) > 20_000  # decoded: every country, three times
    css = browser.get("/static/puerta.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers.get("content-encoding") == "gzip"
    listed = browser.get("/api/v1/ports", headers={"Accept-Encoding": "gzip"})
    assert listed.status_code == 200
    assert len(listed.content) > 1000  # big enough to compress, yet sent plain
    assert "content-encoding" not in listed.headers
