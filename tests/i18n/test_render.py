"""Rendering coded messages: the catalog by context, Babel formatting, negotiation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from puerta import errors
from puerta.i18n import translate as render_mod
from puerta.i18n.message import M
from puerta.i18n.translate import negotiate, render
from puerta.lifecycle import SelectionStatus


def write_catalog(root: Path, locale: str, entries: dict[tuple[str, str], str], **flags) -> None:
    catalog = Catalog(locale=locale)
    for (context, msgid), msgstr in entries.items():
        catalog.add(msgid, msgstr, context=context, flags=flags.get(context, ()))
    target = root / locale / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.po").open("wb") as fh:
        write_po(fh, catalog)


@pytest.fixture
def spanish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway Spanish catalog in place of the shipped ones."""
    write_catalog(
        tmp_path,
        "es",
        {
            ("draw.already_run", errors.DrawAlreadyRun.message.text): (
                "El sorteo del {pool_date} ya se hizo; es definitivo."
            ),
            ("term.SelectionStatus.expired", "expired"): "vencida",
            ("test.wrong_placeholder", "Hello {name}."): "Hola {nombre}.",
            ("test.fuzzy", "Fuzzy"): "Borroso",
        },
        **{"test.fuzzy": ("fuzzy",)},
    )
    monkeypatch.setattr(render_mod, "LOCALES_DIR", tmp_path)
    render_mod.translations.cache_clear()
    render_mod._locales_in.cache_clear()
    yield tmp_path
    render_mod.translations.cache_clear()
    render_mod._locales_in.cache_clear()


def test_english_is_the_source_and_babel_formats_the_values() -> None:
    m = M("test.values", "On {day} at {at:time}, {n} people from {ports}.")
    text = render(
        m,
        {
            "day": date(2026, 3, 4),
            "at": datetime(2026, 3, 4, 17, 0, tzinfo=UTC),
            "n": 1450,
            "ports": ["SYS", "HID", "ELP"],
        },
        locale="en",
        tz="America/New_York",
    )
    assert text == "On Mar 4, 2026 at 12:00\u202fPM, 1,450 people from SYS, HID, and ELP."


@pytest.mark.usefixtures("spanish")
def test_the_catalog_is_looked_up_by_code_and_dates_follow_the_locale() -> None:
    exc = errors.DrawAlreadyRun(pool_date=date(2026, 3, 4))
    assert render(exc.message, exc.params, locale="es") == (
        "El sorteo del 4 mar 2026 ya se hizo; es definitivo."
    )
    assert render(exc.message, exc.params, locale="en") == str(exc)


@pytest.mark.usefixtures("spanish")
def test_states_are_named_through_the_catalog() -> None:
    m = M("test.state", "It is {state}.")
    assert render(m, {"state": SelectionStatus.EXPIRED}, locale="en") == "It is expired."
    assert render(m, {"state": SelectionStatus.EXPIRED}, locale="es") == "It is vencida."


@pytest.mark.usefixtures("spanish")
def test_a_broken_translation_falls_back_to_english() -> None:
    m = M("test.wrong_placeholder", "Hello {name}.")
    assert render(m, {"name": "Ana"}, locale="es") == "Hello Ana."


@pytest.mark.usefixtures("spanish")
def test_fuzzy_translations_are_not_served() -> None:
    assert render(M("test.fuzzy", "Fuzzy"), locale="es") == "Fuzzy"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("fr;q=0.4, es-MX, en;q=0.8", "es"),
        ("ht, en;q=0.1", "en"),
        ("", "en"),
        ("es;q=0", "en"),
        ("zh-Hans-CN", "zh_Hans"),
        ("*", "en"),
        ("garbage;;q=x", "en"),
        # No prefix match: the same language in its likely script and region (CLDR).
        ("pt", "pt_BR"),
        ("pt-BR", "pt_BR"),
        ("pt-PT", "pt_BR"),  # the same script: Brazilian Portuguese before English
        ("zh", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-cn", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("uz", "uz_Latn"),
        ("uz-UZ", "uz_Latn"),
        ("uz-Latn-UZ", "uz_Latn"),
        # Another script is not the same writing: no Hans catalog for Hant, no Latin for Cyrillic.
        ("zh-TW", "en"),
        ("zh-Hant", "en"),
        ("zh-HK", "en"),
        ("zh-Hant-CN", "en"),
        ("uz-Cyrl", "en"),
        ("uz-Cyrl-UZ", "en"),
        ("uz-AF", "en"),  # Arabic script in Afghanistan
        # The likely match is per tag, in the header's order of preference.
        ("zh-TW, es;q=0.5", "es"),
        ("pt;q=0.5, es", "es"),
        ("de, uz-UZ;q=0.9, es;q=0.8", "uz_Latn"),
        ("und", "en"),
    ],
)
def test_negotiation(header: str, expected: str) -> None:
    assert negotiate(header, ("en", "es", "pt_BR", "uz_Latn", "zh_Hans"), "en") == expected


def test_negotiation_prefers_the_tags_region_then_the_languages_likely_one() -> None:
    both = ("en", "pt_PT", "pt_BR")
    assert negotiate("pt-PT", both, "en") == "pt_PT"  # a prefix match
    assert negotiate("pt", both, "en") == "pt_BR"  # pt is pt_Latn_BR
    assert negotiate("pt-AO", both, "en") == "pt_BR"  # no pt_AO: the language's likely region
    assert negotiate("pt-AO", ("en", "pt_PT"), "en") == "pt_PT"


def test_negotiation_uses_the_default_when_nothing_matches() -> None:
    assert negotiate("de", ("en", "es"), "es") == "es"
    assert negotiate("de", ("en", "es"), "fr") == "en"  # a default without a catalog


@pytest.mark.usefixtures("spanish")
def test_the_api_answers_in_the_negotiated_language(api) -> None:  # type: ignore[no-untyped-def]
    anonymous = api.client.get(
        "/api/v1/registrations/R-NONE/status", headers={"Accept-Language": "es-MX"}
    )
    assert anonymous.status_code == 401
    assert anonymous.headers["content-language"] == "es"
    # An account's language comes before the header (web/language.py: the choice order);
    # made without one, it is the language the person read when signing up.
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token)
    gone = api.client.get(
        f"/api/v1/registrations/{rid}x",
        headers={**api.auth(token), "Accept-Language": "es-MX"},
    )
    assert gone.status_code == 404
    assert gone.headers["content-language"] == "en"  # signed up reading English
    assert gone.json()["code"] == "registration.not_found"
