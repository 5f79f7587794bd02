"""Romanisation conventions: how one name is spelled by German, French, English and Spanish forms.

A Russian who registers in Germany first, or whose papers were issued by a
French-speaking consulate, writes ``Wjatscheslaw`` or ``Viatcheslav`` where
another form says ``Vyacheslav``. These are not typos: each is the regular
output of a published convention applied letter by letter to the name in its
own script. So the generator does exactly that, from the native spelling it
already holds (Cyrillic, Armenian, Georgian), and for the Arabic names of the
hand-made lists from a phonemic transcription (:data:`namelists.ARABIC_PHONEMIC`),
since Arabic script writes no short vowels.

Conventions (``de``, ``fr``, ``en``, ``es``):

* Russian: Duden (German), the French usage (``ou``, ``ch``, ``tch``, ``ï``),
  ICAO 9303 as Russian passports write since 2013 (English), and the Spanish
  usage (``j`` for ``х``, ``ia``/``iu``).
* Ukrainian: the same four, with ``г`` as ``h``, ``и`` as ``y``, ``і`` as ``i``;
  English is the national 2010 system.
* Armenian: German (``j``, ``sch``, ``tsch``), French (``ou``, ``i`` for ``յ``:
  ``Haroutiounian``), Spanish (``j`` for ``խ``).
* Georgian: German (``ch``, ``sch``, ``w``), French (``ou``, ``kh``, ``dj``),
  English (the national 2002 system), Spanish (``j`` for ``ხ``).
* Arabic: the English, French (``ou``, ``ch``, ``dj``), German (``sch``,
  ``ch``, ``dsch``, ``j``) and Spanish (``j`` for ``خ``, ``y`` for ``ج``) usage.

Example:
    >>> spell("Вячеслав", "ru", "de"), spell("Вячеслав", "ru", "fr")
    ('Wjatscheslaw', 'Viatcheslav')
    >>> spell("Юлия Медведева", "ru", "de"), spell("Юлия Медведева", "ru", "fr")
    ('Julija Medwedewa', 'Ioulia Medvedeva')
    >>> spell("Հարությունյան", "hy", "fr"), spell("მიხეილ", "ka", "de")
    ('Haroutiounian', 'Micheil')
    >>> spell("muḥammad", "ar", "fr")
    'Mouhammad'
"""

from __future__ import annotations

from functools import lru_cache

CONVENTIONS = ("de", "fr", "en", "es")

_RU_VOWELS = set("аеёиоуыэюяіїєАЕЁИОУЫЭЮЯІЇЄ")
# --- Cyrillic ----------------------------------------------------------------

_RU_BASE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "і": "i", "ї": "i", "є": "ie", "ґ": "g", "'": "", "’": "",
}  # fmt: skip

#: Per convention: letters that differ from the base; ``iot`` are the iotated
#: vowels at a word start or after a vowel (Jelena, Andrejew); ``pairs`` are
#: two-letter sequences read together; ``ss``: a single ``с`` between vowels
#: doubles (German and French would read one ``s`` there as ``z``).
_RU: dict[str, dict[str, object]] = {
    "de": {
        "map": {"в": "w", "ж": "sch", "з": "s", "й": "j", "х": "ch", "ц": "z", "ч": "tsch",
                "ш": "sch", "щ": "schtsch", "ю": "ju", "я": "ja", "ё": "jo", "є": "je"},
        "iot": {"е": "je", "ё": "jo", "ю": "ju", "я": "ja", "є": "je"},
        "pairs": {"кс": "x", "ий": "i", "ый": "y"},
        "ss": True,
    },
    "fr": {
        "map": {"ж": "j", "й": "ï", "у": "ou", "ч": "tch", "ш": "ch", "щ": "chtch",
                "ю": "iou", "я": "ia", "ё": "io", "ї": "ï"},
        "iot": {"ё": "io", "ю": "iou", "я": "ia"},
        "pairs": {"кс": "x", "ий": "i", "ый": "y", "ия": "ia", "ге": "gue",
                  "ги": "gui", "гы": "guy"},
        "ss": True,
    },
    "en": {  # ICAO 9303: what a Russian passport prints since 2013
        "map": {"ъ": "ie"},
        "iot": {},
        "pairs": {},
        "ss": False,
    },
    "es": {
        "map": {"х": "j", "щ": "sch"},
        "iot": {"ю": "yu", "я": "ya", "е": "ye"},
        "pairs": {"кс": "x", "ий": "i", "ия": "ia"},
        "ss": False,
    },
}  # fmt: skip
_UK = {  # Ukrainian letters where they differ from Russian usage
    "de": {"г": "h", "и": "y", "і": "i", "ї": "ji", "є": "je"},
    "fr": {"г": "h", "и": "y", "і": "i", "ї": "ï", "є": "ie"},
    "en": {"г": "h", "и": "y", "і": "i", "ї": "i", "є": "ie", "й": "i", "х": "kh"},
    "es": {"г": "h", "и": "y", "і": "i", "ї": "i", "є": "ie"},
}
_UK_INITIAL_EN = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def _cyrillic(word: str, language: str, convention: str) -> str:
    rules = _RU[convention]
    table = {**_RU_BASE, **rules["map"]}  # type: ignore[dict-item]
    iot: dict[str, str] = dict(rules["iot"])  # type: ignore[call-overload]
    pairs: dict[str, str] = dict(rules["pairs"])  # type: ignore[call-overload]
    if language == "uk":
        table.update(_UK[convention])
        pairs = {k: v for k, v in pairs.items() if k not in ("ий", "ый")}
        if convention == "fr":
            pairs["ій"] = "i"  # Iouri, as for Russian
        pairs = {k: v for k, v in pairs.items() if not k.startswith("г")}
        if convention == "en":
            iot = dict(_UK_INITIAL_EN)
    lower = word.lower()
    out: list[str] = []
    i = 0
    while i < len(lower):
        ch = lower[i]
        prev = lower[i - 1] if i else ""
        pair = lower[i : i + 2]
        if pair in pairs and (pair not in ("ий", "ый", "ій") or i + 2 == len(lower)):
            rom, step = pairs[pair], 2
        elif ch in iot and (i == 0 or prev in _RU_VOWELS or prev in "ъь"):
            if language == "uk" and convention == "en" and i > 0:
                rom, step = table.get(ch, ch), 1
            else:
                rom, step = iot[ch], 1
        elif (
            ch == "с"
            and rules["ss"]
            and 0 < i < len(lower) - 1
            and prev in _RU_VOWELS
            and lower[i + 1] in _RU_VOWELS
        ):
            rom, step = "ss", 1
        else:
            rom, step = table.get(ch, ch), 1
        out.append(rom)
        i += step
    return _cap("".join(out), word)


# --- Armenian ----------------------------------------------------------------

_HY_BASE = {
    "ա": "a", "բ": "b", "գ": "g", "դ": "d", "ե": "e", "զ": "z", "է": "e", "ը": "y",
    "թ": "t", "ժ": "zh", "ի": "i", "լ": "l", "խ": "kh", "ծ": "ts", "կ": "k", "հ": "h",
    "ձ": "dz", "ղ": "gh", "ճ": "ch", "մ": "m", "յ": "y", "ն": "n", "շ": "sh", "ո": "o",
    "չ": "ch", "պ": "p", "ջ": "j", "ռ": "r", "ս": "s", "վ": "v", "տ": "t", "ր": "r",
    "ց": "ts", "ւ": "v", "փ": "p", "ք": "k", "օ": "o", "ֆ": "f", "ու": "u", "և": "ev",
}  # fmt: skip
_HY = {
    "de": {"զ": "s", "ը": "e", "ժ": "sh", "խ": "ch", "ծ": "z", "ձ": "ds", "ճ": "tsch", "յ": "j",
           "շ": "sch", "չ": "tsch", "ջ": "dsch", "վ": "w", "ց": "z", "ւ": "w", "և": "jew"},
    "fr": {"ը": "e", "ժ": "j", "ճ": "tch", "յ": "i", "շ": "ch", "չ": "tch", "ջ": "dj",
           "ու": "ou"},
    "en": {},
    "es": {"խ": "j", "յ": "i", "ջ": "y", "ը": "e"},
}  # fmt: skip
_HY_INITIAL = {  # word-initial ե and ո are read ye and vo
    "de": {"ե": "je", "ո": "wo"},
    "fr": {"ե": "e", "ո": "vo"},
    "en": {"ե": "ye", "ո": "vo"},
    "es": {"ե": "ye", "ո": "vo"},
}


def _armenian(word: str, convention: str) -> str:
    table = {**_HY_BASE, **_HY[convention]}
    lower = word.lower()
    out: list[str] = []
    i = 0
    while i < len(lower):
        if lower[i : i + 2] in table and len(lower[i : i + 2]) == 2:
            out.append(table[lower[i : i + 2]])
            i += 2
            continue
        ch = lower[i]
        if i == 0 and ch in _HY_INITIAL[convention]:
            out.append(_HY_INITIAL[convention][ch])
        else:
            out.append(table.get(ch, ch))
        i += 1
    return _cap("".join(out), word)


# --- Georgian ----------------------------------------------------------------

_KA_BASE = {
    "ა": "a", "ბ": "b", "გ": "g", "დ": "d", "ე": "e", "ვ": "v", "ზ": "z", "თ": "t",
    "ი": "i", "კ": "k", "ლ": "l", "მ": "m", "ნ": "n", "ო": "o", "პ": "p", "ჟ": "zh",
    "რ": "r", "ს": "s", "ტ": "t", "უ": "u", "ფ": "p", "ქ": "k", "ღ": "gh", "ყ": "q",
    "შ": "sh", "ჩ": "ch", "ც": "ts", "ძ": "dz", "წ": "ts", "ჭ": "ch", "ხ": "kh",
    "ჯ": "j", "ჰ": "h",
}  # fmt: skip
_KA = {
    "de": {"ვ": "w", "ზ": "s", "ჟ": "sch", "შ": "sch", "ჩ": "tsch", "ჭ": "tsch", "ც": "z",
           "წ": "z", "ძ": "ds", "ხ": "ch", "ჯ": "dsch", "ყ": "k"},
    "fr": {"ჟ": "j", "შ": "ch", "ჩ": "tch", "ჭ": "tch", "ჯ": "dj", "უ": "ou"},
    "en": {},
    "es": {"ხ": "j", "ჯ": "y", "ყ": "k"},
}  # fmt: skip


def _georgian(word: str, convention: str) -> str:
    table = {**_KA_BASE, **_KA[convention]}
    return "".join(table.get(c, c) for c in word).capitalize()


# --- Arabic (from a phonemic transcription) -----------------------------------

_AR_BASE = {
    "ā": "a", "ī": "i", "ū": "u", "ḥ": "h", "ṭ": "t", "ṣ": "s", "ḍ": "d", "ẓ": "z",
    "ʿ": "", "ʾ": "", "ġ": "gh", "ṯ": "th", "ḏ": "dh", "š": "sh", "ḫ": "kh", "ǧ": "j",
}  # fmt: skip
_AR = {
    "en": {},
    "fr": {"u": "ou", "ū": "ou", "š": "ch", "ǧ": "dj", "wu": "ou", "ay": "ei"},
    "de": {"š": "sch", "ḫ": "ch", "ǧ": "dsch", "y": "j", "ay": "ai", "wu": "u", "z": "s"},
    "es": {"ḫ": "j", "ǧ": "y", "š": "ch", "wu": "u", "ġ": "g"},
}  # fmt: skip
_AR_VOWELS = set("aeiouāīū")


def _arabic(word: str, convention: str) -> str:
    table = {**_AR_BASE, **_AR[convention]}
    out: list[str] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
            continue
        ch = word[i]
        rom = table.get(ch, ch)
        if (  # French writes a single s between vowels as ss (Moussa)
            convention == "fr"
            and ch == "s"
            and 0 < i < len(word) - 1
            and word[i - 1] in _AR_VOWELS
            and word[i + 1] in _AR_VOWELS
        ):
            rom = "ss"
        out.append(rom)
        i += 1
    return "-".join(p.capitalize() for p in "".join(out).split("-"))


def _cap(rom: str, original: str) -> str:
    return rom[:1].upper() + rom[1:] if original[:1].isupper() else rom


@lru_cache(maxsize=65_536)
def spell(native: str, language: str, convention: str) -> str:
    """``native`` (in its own script, or phonemic Arabic) as ``convention`` writes it.

    ``language`` is ``ru``, ``uk`` (Cyrillic), ``hy`` (Armenian), ``ka``
    (Georgian) or ``ar`` (phonemic Arabic); words and hyphenated parts are
    spelled one by one.
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}")
    fn = {
        "ru": lambda w: _cyrillic(w, "ru", convention),
        "uk": lambda w: _cyrillic(w, "uk", convention),
        "hy": lambda w: _armenian(w, convention),
        "ka": lambda w: _georgian(w, convention),
        "ar": lambda w: _arabic(w, convention),
    }[language]
    return " ".join("-".join(fn(p) for p in w.split("-") if p) for w in native.split())


def all_spellings(native: str, language: str) -> dict[str, str]:
    """Every convention's spelling of one native name."""
    return {c: spell(native, language, c) for c in CONVENTIONS}
