"""The browser checks themselves: each sees what it is meant to see, so that a passing
page test means something. And every script of the 14 languages renders (the fonts)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page

from tests.browser.support import Watch, check_axe, shoot, tofu, weight

#: "Appointment at the port of entry", or near it, in each language Puerta serves.
SAMPLES = {
    "es": "Cita en el puerto de entrada",
    "en": "Appointment at the port of entry",
    "ht": "Randevou nan pò antre a",
    "ru": "Запись в пункт въезда",
    "uk": "Запис у пункті в’їзду",
    "pt-BR": "Agendamento no ponto de entrada",
    "fr": "Rendez-vous au point d’entrée",
    "tr": "Giriş kapısında randevu",
    "zh-Hans": "入境口岸预约",
    "ar": "موعد في منفذ الدخول",
    "hy": "Հանդիպում մուտքի կետում",
    "ka": "შეხვედრა შესვლის პუნქტში",
    "uz-Latn": "Chegara oʻtish punktida navbat",
    "pa": "ਦਾਖਲੇ ਦੀ ਥਾਂ ਤੇ ਮੁਲਾਕਾਤ",
}
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
NO_FONT = "\U0001b000"  # KATAKANA LETTER ARCHAIC E: assigned, in no Noto font Debian ships


def _show(page: Page, html: str) -> None:
    """Replace the start page's body (its stylesheet and fonts stay) with ``html``."""
    page.goto("/", wait_until="networkidle")
    page.evaluate("html => { document.body.innerHTML = html; }", html)


def test_every_script_renders_with_no_box(page: Page) -> None:
    rows = "".join(
        f'<p lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"><b>{lang}</b> {text}</p>'
        for lang, text in SAMPLES.items()
    )
    _show(page, f"<main><h1>Scripts</h1>{rows}</main>")
    print(shoot(page, "scripts", lang="all"))
    assert tofu(page) == []


def test_the_tofu_check_sees_a_box(page: Page) -> None:
    _show(page, f"<main><p>Fine {SAMPLES['ka']} but {NO_FONT} is not</p></main>")
    boxes = tofu(page)
    assert len(boxes) == 1, boxes
    assert "U+1B000" in boxes[0]


def test_the_watch_sees_a_request_to_another_host(page: Page, watch: Watch) -> None:
    _show(page, '<main><img alt="" src="http://elsewhere.invalid/pixel.png"></main>')
    page.wait_for_load_state("networkidle")
    assert watch.sent() == ["http://elsewhere.invalid/pixel.png"]
    assert "request to another host: http://elsewhere.invalid/pixel.png" in watch.problems()
    watch.foreign.clear()  # seen: this test passes
    watch.console_errors.clear()


def test_the_axe_check_fails_on_a_critical_violation(page: Page) -> None:
    _show(page, f'<main><h1>Form</h1><input type="text"><img src="{PIXEL}"></main>')
    with pytest.raises(AssertionError, match=r"image-alt \(critical"):
        check_axe(page)


def test_the_weight_is_what_the_server_sent(page: Page, watch: Watch) -> None:
    page.goto("/", wait_until="networkidle")
    found = weight(watch)
    body = page.evaluate("document.documentElement.outerHTML")
    assert found.total > len(body.encode()) // 2, json.dumps(found.by_url)
    assert any(url.endswith("/static/puerta.css") for url in found.by_url)
    page.goto("/healthz", wait_until="networkidle")
    assert weight(watch).total < found.total  # a new load counts on its own
