"""Names: pools per origin, romanisation, and the variants real data holds.

Faker supplies the name lists per locale (only its lists, drawn with our own
seeded RNG, so output depends on the seed alone); Haitian, Mauritanian and
Senegalese names come from hand-made lists because Faker has no locale for
them. Non-Latin names are romanised with a fixed table (the canonical form);
``variant`` produces the other spellings one person ends up typing.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from puerta import translit
from puerta.synth import namelists

HAND_LISTS = namelists.HAND_LISTS
LEXICON = namelists.LEXICON

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "'": "",
    "’": "",
}
#: Other romanisation routes for the same letters (ICAO passports, Spanish, German).
_CYRILLIC_ROUTES = (
    {"й": "i", "ю": "iu", "я": "ia", "х": "kh", "ий": "ii"},
    {"й": "i", "х": "j", "ж": "y", "ю": "iu", "я": "ia", "ш": "sh", "кс": "x"},
    {"й": "j", "ю": "ju", "я": "ja", "х": "ch", "ш": "sch", "ж": "sh", "ц": "z"},
    {"ий": "y", "ей": "ei", "кс": "x", "е": "e"},
)
_ARMENIAN = translit.ARMENIAN
_ARMENIAN_ROUTES = (
    {"yan": "ian", "u": "ou"},  # Western / French: Haroutiounian
    {"^h": "", "yan": "yan"},  # through Russian: Arutyunyan
    {"y": "j", "yan": "jan"},  # German: Harutjunjan
    {"yan": "ian"},  # Harutiunian-style endings
)


def _romanise_with(text: str, table: dict[str, str]) -> str:
    """Longest-match letter table, keeping capitalisation of word starts."""
    out: list[str] = []
    lower = text.lower()
    i = 0
    while i < len(lower):
        for size in (2, 1):
            piece = lower[i : i + size]
            if len(piece) == size and piece in table:
                rom = table[piece]
                if text[i].isupper() and rom:
                    rom = rom[0].upper() + rom[1:]
                out.append(rom)
                i += size
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _cyrillic_word(word: str, routes: dict[str, str] | None = None) -> str:
    table = dict(_CYRILLIC)
    if routes:
        table.update(routes)
    # Word-initial е/ё/ю/я read with a y: Yelena, Yuriy.
    if word[:1].lower() in "её":
        word = "Й" + "е" + word[1:] if word[:1].isupper() else "й" + "е" + word[1:]
    return _romanise_with(word, table).replace("Ii", "I")


def _armenian_word(word: str) -> str:
    lower = word.lower()
    if lower.startswith("ո") and not lower.startswith("ու"):
        word = "Վ" + word  # initial ո reads vo: Vorotan
    elif lower.startswith("ե"):
        word = "Յ" + word  # initial ե reads ye: Yeghishe
    return _romanise_with(word, _ARMENIAN)


def romanise(text: str, script: str) -> str:
    """The canonical Latin form: fixed tables for Cyrillic and Armenian, anyascii otherwise."""
    if script == "cyrillic":
        return " ".join(_cyrillic_word(w) for w in text.split())
    if script == "armenian":
        return " ".join(_armenian_word(w) for w in text.split())
    if script == "latin":
        return text
    return " ".join(w.capitalize() for w in anyascii(text).replace("'", "").split())


@dataclass(frozen=True)
class NamePool:
    """Name lists of one origin: canonical Latin forms and their native script."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    family_female: tuple[str, ...]
    native: dict[str, str]  # canonical -> native script spelling
    script: str
    double_surname: bool


_SCRIPTS = {"ru_RU": "cyrillic", "uk_UA": "cyrillic", "hy_AM": "armenian", "ka_GE": "georgian"}
_SCRIPTS |= {"zh_CN": "han"}
_DOUBLE = {"es_MX", "es_CO", "es_ES", "pt_BR"}


@lru_cache(maxsize=64)
def pool(source: str) -> NamePool:
    """Name lists for a name source (Faker locale or ``hand:<list>``)."""
    if source.startswith("hand:"):
        male, female, family = HAND_LISTS[source.split(":", 1)[1]]
        return NamePool(male, female, family, family, {}, "latin", False)
    provider = importlib.import_module(f"faker.providers.person.{source}").Provider
    script = _SCRIPTS.get(source, "latin")
    native: dict[str, str] = {}

    def latin(names: object) -> tuple[str, ...]:
        out = []
        for name in dict.fromkeys(list(names)):  # type: ignore[call-overload]
            rom = " ".join(romanise(name, script).split())
            if rom and rom.replace(" ", "").replace("-", "").isalpha():
                native.setdefault(rom, name)
                out.append(rom)
        return tuple(dict.fromkeys(out))

    male = latin(getattr(provider, "first_names_male", provider.first_names))
    female = latin(getattr(provider, "first_names_female", provider.first_names))
    family = latin(getattr(provider, "last_names_male", provider.last_names))
    family_f = latin(getattr(provider, "last_names_female", provider.last_names))
    if source == "zh_CN":  # Chinese given names are one or two syllables
        male = tuple(a + b.lower() for a in male[:30] for b in male[30:45]) + male
        female = tuple(a + b.lower() for a in female[:30] for b in female[30:45]) + female
    return NamePool(male, female, family, family_f, native, script, source in _DOUBLE)


def variant(name: str, pool_: NamePool, rng: random.Random) -> str:
    """Another spelling of ``name`` as another transliteration route would give it."""
    if name in LEXICON and rng.random() < 0.7:
        return rng.choice(LEXICON[name])
    native = pool_.native.get(name)
    if pool_.script == "cyrillic" and native:
        route = rng.choice(_CYRILLIC_ROUTES)
        return " ".join(_cyrillic_word(w, route) for w in native.split())
    if pool_.script == "armenian":
        return _armenian_variant(name, rng)
    if "-" in name:
        return name.replace("-", " ") if rng.random() < 0.5 else name.replace("-", "")
    if name.startswith("Saint"):
        return "St " + name[6:]
    return name


def _armenian_variant(name: str, rng: random.Random) -> str:
    route = rng.choice(_ARMENIAN_ROUTES)
    out = name
    for old, new in route.items():
        if old.startswith("^"):
            if out.lower().startswith(old[1:]):
                out = out[len(old) - 1 :].capitalize()
        else:
            out = out.replace(old, new)
    return out


_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: a swapped, dropped, doubled or wrong letter."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:])
    kind = rng.randrange(4)
    if kind == 0 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    k = _KEYBOARD.find(text[i].lower())
    near = _KEYBOARD[(k + rng.choice((-1, 1))) % len(_KEYBOARD)] if k >= 0 else "e"
    return text[:i] + (near.upper() if text[i].isupper() else near) + text[i + 1 :]


def native_spelling(name: str, pool_: NamePool) -> str | None:
    """The name in its own script, when the origin writes in one."""
    if pool_.script == "latin":
        return None
    parts = [pool_.native.get(p) for p in name.split()]
    return None if any(p is None for p in parts) else " ".join(parts)  # type: ignore[misc]
