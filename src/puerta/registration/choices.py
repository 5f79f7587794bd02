"""The drop-downs of the registration form, named in the reader's language (CLDR via Babel).

A person picks a country or language by its name in their own language, and the
form sends the code the registration stores (ISO 3166 alpha-2, a BCP 47 tag).
Lists are sorted the way a reader of the language looks for a name: by letters
without their accents, and Chinese names by their pinyin.
"""

from __future__ import annotations

import pickle
import unicodedata
from functools import lru_cache

import phonenumbers
import pycountry
from anyascii import anyascii
from babel import Locale, localedata

from puerta.i18n.translate import capitalised
from puerta.registration.validation import us_states

Choice = tuple[str, str]  # (code the form sends, name the reader sees)
#: Where most people ask from: the phone number's country unless they choose another.
DEFAULT_PHONE_REGION = "MX"


def _sort_key(locale: str):  # type: ignore[no-untyped-def]
    if Locale.parse(locale).language == "zh":
        return lambda name: anyascii(name).casefold()

    def key(name: str) -> str:
        decomposed = unicodedata.normalize("NFKD", name)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()

    return key


def _sorted(locale: str, pairs: list[Choice]) -> tuple[Choice, ...]:
    key = _sort_key(locale)
    return tuple(sorted(pairs, key=lambda pair: key(pair[1])))


@lru_cache(maxsize=32)
def countries(locale: str) -> tuple[Choice, ...]:
    """Every ISO 3166 country, by its CLDR name in ``locale`` (English where CLDR has none)."""
    names = Locale.parse(locale).territories
    return _sorted(
        locale, [(c.alpha_2, names.get(c.alpha_2) or c.name) for c in pycountry.countries]
    )


@lru_cache(maxsize=32)
def languages(locale: str) -> tuple[Choice, ...]:
    """The languages CLDR has data for, by their name in ``locale``."""
    names = Locale.parse(locale).languages
    codes = {Locale.parse(i).language for i in localedata.locale_identifiers()}
    codes.discard("root")
    pairs = [(code, names[code]) for code in codes if code in names]
    return _sorted(locale, [(code, capitalised(name)) for code, name in pairs])


@lru_cache(maxsize=32)
def phone_regions(locale: str) -> tuple[Choice, ...]:
    """Countries with their calling code: "México (+52)"."""
    names = Locale.parse(locale).territories
    pairs = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        name = names.get(region)
        if name:
            code = phonenumbers.country_code_for_region(region)
            pairs.append((region, f"{name} (+{code})"))
    return _sorted(locale, pairs)


@lru_cache(maxsize=32)
def months(locale: str) -> tuple[tuple[int, str], ...]:
    """The months' names as a list shows them: the stand-alone form where the language
    has one ("январь", not the "января" of a date), else the form dates use.

    Read from each locale's own data file, because Babel (2.18) caches an alias it
    resolves (root's "stand-alone = format") in data shared by every locale, so the
    first language to ask would decide the months of all the others; and
    ``localedata.load(merge_inherited=False)`` would put unmerged data in Babel's cache."""
    name: str | None = locale
    while name:
        with open(localedata.resolve_locale_filename(name), "rb") as fh:
            own = pickle.load(fh).get("months", {})  # noqa: S301 - Babel's installed data, as Babel reads it
        wide = own.get("stand-alone", {}).get("wide")
        if isinstance(wide, dict) and all(isinstance(wide.get(n), str) for n in range(1, 13)):
            break
        name = name.rpartition("_")[0] or None
    else:
        wide = Locale.parse(locale).months["format"]["wide"]
    return tuple((n, capitalised(wide[n])) for n in range(1, 13))


@lru_cache(maxsize=1)
def states() -> tuple[Choice, ...]:
    """U.S. states, D.C. and territories, by their own (English) names, as on a letter."""
    found = pycountry.subdivisions.get(country_code="US") or []
    named = {s.code.split("-")[1]: s.name for s in found}
    return tuple(sorted(((code, named[code]) for code in us_states()), key=lambda p: p[1]))
