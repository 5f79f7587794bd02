"""Name romanisation and matching keys for identity resolution.

Why this exists: a person who registers many times writes their name many
ways. The same Armenian surname arrives as ``Հարությունյան``,
``Harutyunyan`` and ``Arutyunyan``; a Ukrainian given name as ``Олександр``,
``Oleksandr``, ``Aleksandr`` or ``Alexander``. The probabilistic model can
only weigh such variants if they are first brought to one script and then to
keys that survive the usual transliteration choices.

Three layers, each used by a different comparison level:

* :func:`romanise`: any script to lower-case ASCII words. ``anyascii`` does
  most scripts well; Armenian it does poorly (``ու`` becomes ``ow``, aspirated
  consonants gain apostrophes, ``Ռ`` becomes ``Rr``), so Armenian is mapped
  first with the practical passport-style rules in :data:`ARMENIAN`.
* :func:`skeleton`: a transliteration-invariant consonant skeleton
  (``x`` = ``ks``, ``kh`` = ``h``, ``w`` = ``v``, ``z`` = ``s``, initial ``h`` and
  inner vowels dropped, doubled letters collapsed, a final vowel kept as its
  class so that Daniel and Daniela stay apart). Aleksandr, Alexander and Oleksandr all
  give ``lksndr``; Harutyunyan and Arutyunyan both give ``rtnn``; an Arabic
  ``محمد`` (``mhmd``) meets Mohammed and Muhammad.
* :func:`phonetic`: Metaphone of the romanised word, for sound-alike typos.

Example:
    >>> romanise("Հարությունյան")
    'harutyunyan'
    >>> skeleton("arutyunyan") == skeleton("harutyunyan")
    True
    >>> [skeleton(romanise(n)) for n in ("Олександр", "Alexander", "Aleksandr")]
    ['lksndr', 'lksndr', 'lksndr']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import jellyfish
import polars as pl
from anyascii import anyascii

from puerta import translit

# Eastern Armenian, as Armenian passports and most registrations write it.
ARMENIAN: dict[str, str] = dict(translit.ARMENIAN_LETTERS)
_ARMENIAN_RANGE = re.compile(r"[\u0531-\u058f]")
_ARMENIAN_WORD = re.compile(r"[\u0531-\u058f]+")

# Words that are not surnames of their own: "de la Cruz" and "Cruz" are one name.
PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "du", "y", "e"}
    | {"van", "von", "der", "den", "le", "al", "el", "bin", "ibn", "ben"}
)

_NON_LETTERS = re.compile(r"[^a-z]+")
_SKELETON_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "shh"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("dzh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("x", "ks"),
    ("w", "v"),
    ("q", "k"),
    ("z", "s"),
)
_SOFT_C = re.compile(r"c(?=[eiy])")
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")
# A final vowel survives as its class: Daniel/Daniela, Mario/Maria, Ivanov/Ivanova
# are different names, while Sergey/Sergei/Sergii and Danela/Daniela are not.
_FINAL_VOWEL = {"a": "a", "o": "o", "u": "o", "e": "e", "i": "e", "y": "e"}


def _armenian_word(word: str) -> str:
    """Romanise one Armenian word (already lower-case)."""
    word = word.replace("ու", "u").replace("և", "ev")
    out = []
    for i, ch in enumerate(word):
        if i == 0 and ch == "ե":
            out.append("ye")
        elif i == 0 and ch == "ո":
            out.append("vo")
        else:
            out.append(ARMENIAN.get(ch, ch))
    text = "".join(out)
    return "y" + text if text.startswith("ev") and word.startswith("ev") else text


@lru_cache(maxsize=200_000)
def romanise(text: str | None) -> str:
    """Any script to lower-case ASCII words separated by single spaces.

    Apostrophes vanish (``O'Brien`` is ``obrien``, ``Dar'ya`` is ``darya``);
    hyphens, dots and other separators become spaces.

    Example:
        >>> romanise("  José-María  NÚÑEZ ")
        'jose maria nunez'
        >>> romanise("Խաչատրյան")
        'khachatryan'
    """
    if not text:
        return ""
    text = text.lower()
    if _ARMENIAN_RANGE.search(text):
        text = _ARMENIAN_WORD.sub(lambda m: _armenian_word(m.group(0)), text)
    text = anyascii(text).lower().replace("'", "").replace("`", "")
    return " ".join(_NON_LETTERS.sub(" ", text).split())


def tokens(romanised: str, *, drop_particles: bool = False) -> list[str]:
    """Words of a romanised name, optionally without particles (de, la, al...).

    Example:
        >>> tokens("maria de la cruz", drop_particles=True)
        ['maria', 'cruz']
    """
    words = romanised.split()
    if drop_particles:
        kept = [w for w in words if w not in PARTICLES]
        return kept or words
    return words


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """Transliteration-invariant consonant skeleton of one romanised word.

    Example:
        >>> skeleton("muhammad"), skeleton("mohamed"), skeleton("mhmd")
        ('mhmd', 'mhmd', 'mhmd')
    """
    s = word
    for old, new in _SKELETON_RULES:
        s = s.replace(old, new)
    s = _SOFT_C.sub("s", s).replace("c", "k")
    if s.startswith("h"):
        s = s[1:]
    end = _FINAL_VOWEL.get(s[-1:], "")
    s = _DOUBLES.sub(r"\1", _VOWELS.sub("", s)) + end
    return s or word[:1]


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """Metaphone code of one romanised word (empty for an empty word)."""
    return jellyfish.metaphone(word) if word else ""


def name_keys(raw: str | None) -> dict[str, str | None]:
    """All matching forms of one name field.

    Returns ``norm`` (romanised, particles kept), ``first`` (first word
    without particles), ``key`` (skeleton of ``first``), ``skel`` (skeletons
    of all words, joined by spaces) and ``phon`` (Metaphone of ``first``).
    Missing names give ``None`` everywhere so the model treats them as null.

    Example:
        >>> name_keys("García-López")["first"], name_keys("García-López")["skel"]
        ('garcia', 'grsa lps')
    """
    return keys_from_norm(romanise(raw))


def name_keys_many(values: Iterable[str | None]) -> dict[str | None, dict[str, str | None]]:
    """:func:`name_keys` for each distinct value (a lookup table for a column)."""
    return {v: name_keys(v) for v in set(values)}


def fold_latin(col: pl.Expr) -> pl.Expr:
    """Vectorised :func:`romanise` for text that is Latin script once accents go.

    Gives the same words as :func:`romanise` where it gives a value; text that
    still holds other letters (Cyrillic, Armenian, Arabic, ``ø``...) gives
    null, for :func:`romanise` to handle one distinct value at a time. This
    keeps millions of rows out of Python.
    """
    folded = (
        col.str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.replace_all(r"['`]", "")
    )
    words = folded.str.replace_all(r"[^a-z]+", " ").str.strip_chars()
    return pl.when(folded.str.contains(r"[^\x00-\x7f]")).then(None).otherwise(words)


def keys_from_norm(norm: str) -> dict[str, str | None]:
    """:func:`name_keys` from an already romanised value (empty gives nulls)."""
    if not norm:
        return {"norm": None, "first": None, "key": None, "skel": None, "phon": None}
    words = tokens(norm, drop_particles=True)
    return {
        "norm": norm,
        "first": words[0],
        "key": skeleton(words[0]),
        "skel": " ".join(skeleton(w) for w in words),
        "phon": phonetic(words[0]),
    }
