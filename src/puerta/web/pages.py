"""Server-rendered pages: one Jinja environment per language, and the one way to render.

Why one environment per language: the i18n extension's gettext callables are
installed on an environment, and environments are shared by concurrent
requests; one per catalog (a dozen at most, each compiled once) keeps a page
from ever being rendered with another request's language.

Every template string goes through the catalog: ``{% trans %}`` and ``_()``
(plain gettext, the English text as the id, extracted into ``messages.pot``
beside the coded messages), and coded messages through ``say(message,
params)``. Dates, times and numbers go through Babel filters in the page's
language and the reader's time zone. Templates receive only what a page shows:
never the settings object (it holds the secret key).
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from fastapi import Request
from fastapi.responses import HTMLResponse

from puerta import __version__
from puerta.i18n.message import Message
from puerta.i18n.translate import (
    available_locales,
    capitalised,
    catalog,
    render,
    staff_locales,
)
from puerta.web.language import is_staff_path, locale_of

TEMPLATES = Path(__file__).parent / "templates"
#: Languages written right to left: the page gets ``dir="rtl"``; the CSS uses logical
#: properties only, so nothing is mirrored by hand.
RTL = frozenset({"ar", "fa", "he", "ur"})


def babel_locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=32)
def environment(locale: str) -> jinja2.Environment:
    """The environment whose gettext is ``locale``'s catalog."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(("html", "xml")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_translations(catalog(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["locale"] = locale
    return env


def direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RTL else "ltr"


@lru_cache(maxsize=2)
def language_choices(staff: bool = False) -> tuple[tuple[str, str, str], ...]:
    """(code, name in its own language, direction) of every language with a catalog
    (``staff``: of the staff pages' languages)."""
    out = []
    for code in staff_locales() if staff else available_locales():
        name = babel_locale(code).get_display_name(code) or code
        out.append((code, capitalised(name), direction(code)))
    return tuple(sorted(out, key=lambda c: c[1].casefold()))


class Formats:
    """Babel's formats for one reader: the page's language, the given time zone."""

    def __init__(self, locale: str, tz: str) -> None:
        self.locale, self.zone_info = locale, ZoneInfo(tz)

    def date(self, value: date, form: str = "long") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone_info).date()
        return babel_dates.format_date(value, form, locale=self.locale)

    def datetime(self, value: datetime, form: str = "medium") -> str:
        return babel_dates.format_datetime(value, form, tzinfo=self.zone_info, locale=self.locale)

    def moment(self, value: datetime) -> str:
        """A day and an hour, the way the language joins them, without seconds or offset."""
        pattern = babel_dates.get_datetime_format("long", locale=self.locale)
        pattern = str(pattern).replace("'", "")
        return pattern.format(self.time(value), self.date(value, "long"))

    def time(self, value: datetime | time, form: str = "short") -> str:
        if isinstance(value, datetime):
            return babel_dates.format_time(value, form, tzinfo=self.zone_info, locale=self.locale)
        return babel_dates.format_time(value, form, locale=self.locale)

    def zone(self) -> str:
        """The time zone's city in the page's language ("New York", "Nueva York")."""
        return babel_dates.get_timezone_location(
            self.zone_info, locale=self.locale, return_city=True
        )

    def number(self, value: float) -> str:
        return babel_numbers.format_decimal(value, locale=self.locale)


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """``template`` rendered in the reader's language, with the layout's own values."""
    settings = request.app.state.settings
    locale = locale_of(request)
    tz = settings.timezone
    formats = Formats(locale, tz)

    def say(message: Message, params: dict[str, Any] | None = None) -> str:
        return render(message, params, locale=locale, tz=tz)

    values = {
        "request_path": request.url.path,
        "lang": locale.replace("_", "-"),
        "dir": direction(locale),
        "languages": language_choices(is_staff_path(request.url.path)),
        "version": __version__,
        "say": say,
        "fmt": formats,
        **(context or {}),
    }
    html = environment(locale).get_template(template).render(values)
    out = {"Content-Language": locale.replace("_", "-"), **(headers or {})}
    return HTMLResponse(html, status_code=status, headers=out)


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not an API client, nor anything under ``/api/``)."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")
