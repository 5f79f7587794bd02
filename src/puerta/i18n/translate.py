"""Rendering a coded message in a person's language: the one function every edge calls.

The API's problem+json, the pages, the CLI and mail all call ``render``; it
looks the message up by its code (the gettext context) in the language's
catalog, falls back to the English source, and formats each parameter with
Babel: dates, times and datetimes in the reader's time zone, numbers with the
locale's separators, lists with the locale's conjunction, and lifecycle states
(``StrEnum`` values) through their own catalog entries.

Example:
    >>> from datetime import date
    >>> from puerta.i18n.message import M
    >>> m = M("doc.example", "The draw for {day} seated {seats} people.")
    >>> render(m, {"day": date(2026, 3, 4), "seats": 1450}, locale="en")
    'The draw for Mar 4, 2026 seated 1,450 people.'
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from babel.core import get_global, parse_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from puerta.i18n.message import REGISTRY, Message

LOCALES_DIR = Path(__file__).parent / "locales"
SOURCE_LOCALE = "en"
DEFAULT_TZ = "America/New_York"


def catalog(locale: str) -> NullTranslations:
    """The catalog ``render`` uses for ``locale`` (from ``LOCALES_DIR``)."""
    return translations(locale, LOCALES_DIR)


@lru_cache(maxsize=64)
def translations(locale: str, directory: Path) -> NullTranslations:
    """The compiled catalog of ``locale`` (English source when there is none).

    PO files are compiled in memory on first use, so the repository holds only
    what a translator edits and no compiled file can go stale.
    """
    po = directory / locale / "LC_MESSAGES" / "messages.po"
    if locale == SOURCE_LOCALE or not po.is_file():
        return NullTranslations()
    found = _compiled(po, locale)
    staff = directory / locale / "LC_MESSAGES" / "staff.po"
    if staff.is_file():
        # One lookup for both domains: staff codes (``staff.``) and the staff templates'
        # strings never collide with the applicants' (``i18n.extract.split``).
        found.merge(_compiled(staff, locale))
    return found


def _compiled(po: Path, locale: str) -> Translations:
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf)


@lru_cache(maxsize=8)
def _locales_in(directory: Path) -> tuple[str, ...]:
    found = {p.parent.parent.name for p in directory.glob("*/LC_MESSAGES/messages.po")}
    return tuple(sorted({SOURCE_LOCALE} | found))


def available_locales() -> tuple[str, ...]:
    """English plus every language with a catalog, as catalog directory names."""
    return _locales_in(LOCALES_DIR)


@lru_cache(maxsize=8)
def _staff_locales_in(directory: Path) -> tuple[str, ...]:
    found = {p.parent.parent.name for p in directory.glob("*/LC_MESSAGES/staff.po")}
    return tuple(sorted({SOURCE_LOCALE} | (found & set(_locales_in(directory)))))


def staff_locales() -> tuple[str, ...]:
    """The languages of the staff pages: English and those with a staff catalog."""
    return _staff_locales_in(LOCALES_DIR)


def negotiate(accept_language: str | None, available: Sequence[str], default: str) -> str:
    """The best of ``available`` for an ``Accept-Language`` header, else ``default``.

    For each tag, in the header's order of preference: first a prefix match (``es-MX``
    matches a Spanish catalog ``es``; ``zh-Hans-CN`` matches ``zh_Hans``), then the same
    language in its likely script from CLDR (``pt`` matches ``pt_BR``, ``zh-CN`` and ``zh``
    match ``zh_Hans``, ``uz-UZ`` matches ``uz_Latn``; ``zh-TW`` and ``uz-Cyrl`` do not).

    Example:
        >>> negotiate("fr;q=0.4, es-MX, en;q=0.8", ("en", "es"), "en")
        'es'
        >>> negotiate("zh-CN", ("en", "zh_Hans"), "en")
        'zh_Hans'
    """
    return _negotiate(accept_language or "", tuple(available), default)


@lru_cache(maxsize=1024)
def _negotiate(header: str, available: tuple[str, ...], default: str) -> str:
    by_lower = {a.lower().replace("_", "-"): a for a in available}
    by_likely = _by_likely_script(available)
    for tag in _preferences(header):
        parts = tag.lower().replace("_", "-").split("-")
        for n in range(len(parts), 0, -1):
            found = by_lower.get("-".join(parts[:n]))
            if found is not None:
                return found
        likely = _likely_subtags(tag)
        if likely is not None:
            language, script, region = likely
            candidates = by_likely.get((language, script))
            if candidates:
                # The catalog of the tag's own region if there is one (pt-PT: a pt_PT),
                # else the language's likely region first (pt-AO: pt_BR).
                return next((a for r, a in candidates if r == region), candidates[0][1])
    return default if default in available else SOURCE_LOCALE


@lru_cache(maxsize=8)
def _by_likely_script(
    available: tuple[str, ...],
) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """The catalogs by (language, likely script), each as (likely region, name).

    Within a language and script the catalog of the language's own likely region comes
    first (``pt_BR`` before a ``pt_PT``), then the others by name.
    """
    index: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for name in sorted(available):
        likely = _likely_subtags(name)
        if likely is not None:
            language, script, region = likely
            index.setdefault((language, script), []).append((region, name))
    ordered: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    for (language, script), entries in index.items():
        home = _likely_subtags(language)
        home_region = home[2] if home is not None else None
        ordered[language, script] = tuple(sorted(entries, key=lambda e: e[0] != home_region))
    return ordered


@lru_cache(maxsize=512)
def _likely_subtags(tag: str) -> tuple[str, str, str] | None:
    """``(language, script, region)`` of a tag, the missing ones added from CLDR's likely
    subtags (``zh-CN`` is ``zh Hans CN``, ``uz`` is ``uz Latn UZ``); None if unparsable."""
    try:
        language, region, script, *_ = parse_locale(tag.replace("_", "-"), sep="-")
    except ValueError:
        return None
    if language == "und":  # "undetermined" asks for no language in particular
        return None
    likely: Mapping[str, str] = get_global("likely_subtags")
    # CLDR's lookup order (UTS #35, "Likely Subtags"); a tag's own subtags are kept.
    keys = [
        "_".join(k)
        for k in (
            (language, script, region),
            (language, region),
            (language, script),
            (language,),
            ("und", script, region),
            ("und", region),
            ("und", script),
        )
        if all(k)
    ]
    for key in keys:
        found = likely.get(key)
        if found is not None:
            _, found_region, found_script, *_ = parse_locale(found)
            return language, script or found_script or "", region or found_region or ""
    return language, script or "", region or ""


def _preferences(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if q > 0:
            weighted.append((-q, i, tag))
    return [tag for _, _, tag in sorted(weighted)]


@lru_cache(maxsize=64)
def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (ValueError, TypeError):
        return Locale.parse(SOURCE_LOCALE)


class _Localised:
    """A parameter that formats itself for one reader (``{deadline}``, ``{opens_at:time}``)."""

    __slots__ = ("locale", "tz", "value")

    def __init__(self, value: Any, locale: str, tz: ZoneInfo) -> None:
        self.value, self.locale, self.tz = value, locale, tz

    def __format__(self, spec: str) -> str:
        return format_value(self.value, locale=self.locale, tz=self.tz, spec=spec)

    def __str__(self) -> str:
        return self.__format__("")


def format_value(value: Any, *, locale: str, tz: ZoneInfo, spec: str = "") -> str:
    """One parameter in the reader's conventions."""
    loc = _babel_locale(locale)
    if isinstance(value, Message):
        return catalog(locale).pgettext(value.code, value.text)
    if hasattr(value, "message") and hasattr(value, "params"):  # a coded error, nested
        return render(value.message, value.params, locale=locale, tz=tz)
    if isinstance(value, StrEnum):
        return term(value, locale)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        local = value.astimezone(tz)
        if spec == "time":
            return babel_dates.format_time(local, "short", tzinfo=tz, locale=loc)
        if spec == "date":
            return babel_dates.format_date(local.date(), "medium", locale=loc)
        if spec == "long_time":  # to the second, with the zone: "9:00:33 AM UTC"
            return babel_dates.format_time(local, "long", tzinfo=tz, locale=loc)
        if spec == "long":  # "June 1, 2023, 9:00:33 AM UTC"
            return babel_dates.format_datetime(local, "long", tzinfo=tz, locale=loc)
        return babel_dates.format_datetime(local, "medium", tzinfo=tz, locale=loc)
    if isinstance(value, date):
        return babel_dates.format_date(value, "medium", locale=loc)
    if isinstance(value, time):
        return babel_dates.format_time(value, "short", locale=loc)
    if isinstance(value, int | float):
        return babel_numbers.format_decimal(value, locale=loc)
    if isinstance(value, list | tuple | set | frozenset):
        items = [format_value(v, locale=locale, tz=tz) for v in value]
        return babel_lists.format_list(items, locale=loc) if items else ""
    return str(value)


def term_code(value: StrEnum) -> str:
    """The catalog code of a lifecycle state: ``term.SelectionStatus.offered``."""
    return f"term.{type(value).__name__}.{value.value}"


def term(value: StrEnum, locale: str) -> str:
    """A state's name in the reader's language (its raw value if it has no entry)."""
    message = REGISTRY.get(term_code(value))
    if message is None:
        return value.value.replace("_", " ")
    return catalog(locale).pgettext(message.code, message.text)


def render(
    message: Message,
    params: Mapping[str, Any] | None = None,
    *,
    locale: str = SOURCE_LOCALE,
    tz: str | ZoneInfo = DEFAULT_TZ,
) -> str:
    """``message`` in ``locale`` with ``params`` filled in for a reader in ``tz``."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    text = catalog(locale).pgettext(message.code, message.text)
    values = {k: _Localised(v, locale, zone) for k, v in (params or {}).items()}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        # A translation that names a placeholder wrongly must not hide the message:
        # the catalog check in the tests fails on it; the reader gets the English.
        return message.text.format(**values)


def json_param(value: Any) -> Any:
    """A parameter as it travels in problem+json ``params``: ISO dates, plain values."""
    if isinstance(value, Message):
        return value.code
    if hasattr(value, "message") and hasattr(value, "params"):  # a coded error, nested
        return {"code": value.message.code, "params": json_params(value.params)}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [json_param(v) for v in value]
    return value


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: json_param(v) for k, v in params.items()}


def capitalised(text: str) -> str:
    """``text`` with a capital first letter, as a list item starts, except in scripts whose
    capitals are not used that way: Georgian's Mtavruli letters are not sentence capitals
    ("ქართული", never "Ქართული")."""
    if not text or "GEORGIAN" in unicodedata.name(text[0], ""):
        return text
    return text[:1].upper() + text[1:]
