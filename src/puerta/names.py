"""Name normalisation: the one definition of "the same name" in Puerta.

Why one module: the draw (:mod:`puerta.identity.keys`, one ticket per
person) and the trend analysis (:mod:`puerta.trends.names`, the Splink
model; :mod:`puerta.trends.families`, apparent families) must agree on when
two written names are one name. They used to keep three particle lists, two
romanisers (which disagreed on ``O'Brien``) and two skeletons; now each
imports these:

* :data:`PARTICLES` -- words that join surnames and carry no identity.
* :func:`romanise` -- any script to lower-case ASCII words;
  :func:`fold_latin` is the same, vectorised, for Latin-script text.
* :func:`tokens` -- the words of a romanised name, particles optionally dropped.
* :func:`skeleton` -- one word to a form its transliteration variants share.

A person who registers many times writes their name many ways: the same
Armenian surname arrives as ``Հարությունյան``, ``Harutyunyan``,
``Arutyunyan`` and ``Harutjunjan``; a Ukrainian given name as
``Олександр``, ``Oleksandr``, ``Aleksandr`` or ``Alexander``. Typos are not
handled here (that is the Splink model's work).

Example:
    >>> romanise("O'Brien"), romanise("Дарья")
    ('obrien', 'darya')
    >>> {skeleton(romanise(n)) for n in ("Олександр", "Alexander", "Aleksandr")}
    {'lksndr'}
    >>> tokens(romanise("María de la Cruz"), drop_particles=True)
    ['maria', 'cruz']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import polars as pl
from anyascii import anyascii

from puerta import translit

__all__ = ["PARTICLES", "fold_latin", "romanise", "skeleton", "tokens"]

#: Words that are not names of their own: ``de la Cruz`` and ``Cruz`` are one
#: name (Spanish, Portuguese, Italian, French, Dutch, German and Arabic).
PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "du", "y", "e"}
    | {"van", "von", "der", "den", "le", "al", "el", "bin", "ibn", "ben"}
)

_CACHE = 262_144
_ARMENIAN = translit.ARMENIAN_LETTERS
_ARMENIAN_RANGE = re.compile(r"[\u0531-\u058f]")
_ARMENIAN_WORD = re.compile(r"[\u0531-\u058f]+")
_NON_LETTERS = re.compile(r"[^a-z]+")


def _armenian_word(word: str) -> str:
    """One lower-case Armenian word as Armenian passports write it.

    Word-initial ``ե`` reads ``ye`` and ``ո`` reads ``vo`` (Yeghiazaryan,
    Voskanyan); ``ու`` is one sound, ``u``.
    """
    word = word.replace("ու", "u").replace("և", "ev")
    out = []
    for i, ch in enumerate(word):
        if i == 0 and ch == "ե":
            out.append("ye")
        elif i == 0 and ch == "ո":
            out.append("vo")
        else:
            out.append(_ARMENIAN.get(ch, ch))
    text = "".join(out)
    return "y" + text if text.startswith("ev") and word.startswith("ev") else text


@lru_cache(maxsize=_CACHE)
def romanise(text: str | None) -> str:
    """Any script to lower-case ASCII words separated by single spaces.

    Accents go; Armenian follows passport rules, other scripts anyascii.
    Apostrophes vanish (``O'Brien`` is ``obrien``, as people type it without
    one, and ``Dar'ya`` is ``darya``); hyphens, dots and other separators
    become spaces.

    Example:
        >>> romanise("  José-María  NÚÑEZ ")
        'jose maria nunez'
        >>> romanise("Խաչատրյան")
        'khachatryan'
        >>> romanise(None)
        ''
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).lower()
    if _ARMENIAN_RANGE.search(text):
        text = _ARMENIAN_WORD.sub(lambda m: _armenian_word(m.group(0)), text)
    text = anyascii(text).lower().replace("'", "").replace("`", "")
    return " ".join(_NON_LETTERS.sub(" ", text).split())


def fold_latin(col: pl.Expr) -> pl.Expr:
    """Vectorised :func:`romanise` for text that is Latin script once accents go.

    Gives the same words as :func:`romanise` where it gives a value; text that
    still holds other letters (Cyrillic, Armenian, Arabic, ``ø``...) gives
    null, for :func:`romanise` to handle one distinct value at a time. This
    keeps millions of rows out of Python.

    Example:
        >>> pl.select(fold_latin(pl.lit("O'Brién-Díaz"))).item()
        'obrien diaz'
    """
    folded = (
        col.str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.replace_all(r"['`]", "")
    )
    words = folded.str.replace_all(r"[^a-z]+", " ").str.strip_chars()
    return pl.when(folded.str.contains(r"[^\x00-\x7f]")).then(None).otherwise(words)


def tokens(romanised: str, *, drop_particles: bool = False) -> list[str]:
    """Words of a romanised name, optionally without :data:`PARTICLES`.

    A name made only of particles keeps them all (``Le``, ``Del``, ``Ben``
    are names too), so no name ever becomes empty.

    Example:
        >>> tokens("maria de la cruz", drop_particles=True)
        ['maria', 'cruz']
        >>> tokens("ben", drop_particles=True)
        ['ben']
    """
    words = romanised.split()
    if drop_particles:
        kept = [w for w in words if w not in PARTICLES]
        return kept or words
    return words


# Applied in order to the whole word. Why each: the spellings of one sound
# across Spanish, English, Russian/Ukrainian, German and Armenian
# transliteration. ``J`` marks a consonant j until the vowels are folded.
_SKELETON_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "shh"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("dzh", "J"),  # Dzhamal = Jamal
    ("dj", "J"),
    ("kh", "h"),  # Khachatryan = Hachatryan
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("x", "ks"),  # Alexander = Aleksandr
    ("w", "v"),
    ("q", "k"),
    ("z", "s"),  # González = Gonsales (seseo)
)
# A word-initial i, y or j before a vowel is the consonant sound (Iuliia =
# Yuliya = Julia); any other j is the vowel y (Harutjunjan = Harutyunyan).
_INITIAL_GLIDE = re.compile(r"^[iyj](?=[aeiou])")
_SOFT_C = re.compile(r"c(?=[eiy])")
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")
# A final vowel survives as its class: Daniel/Daniela, Mario/Maria, Ivanov/Ivanova
# are different names, while Sergey/Sergei/Sergii and Danela/Daniela are not.
_FINAL_VOWEL = {"a": "a", "o": "o", "u": "o", "e": "e", "i": "e", "y": "e"}


@lru_cache(maxsize=_CACHE)
def skeleton(word: str) -> str:
    """One romanised word to its transliteration-invariant consonant skeleton.

    ``x`` = ``ks``, ``kh`` = ``h``, ``w`` = ``v``, ``z`` = ``s``, soft ``c`` =
    ``s``, a leading ``h`` and the inner vowels dropped, doubled letters
    collapsed, a final vowel kept as its class (``a``, ``o``, ``e``).
    Lossy on purpose: the draw's key also needs the other name, the date of
    birth and the sex to agree, and the trend analysis weighs it as one
    piece of evidence among many.

    Example:
        >>> [skeleton(w) for w in ("aleksandr", "alexander", "oleksandr")]
        ['lksndr', 'lksndr', 'lksndr']
        >>> skeleton("harutyunyan") == skeleton("arutyunyan") == skeleton("harutjunjan")
        True
        >>> skeleton("julia") == skeleton("yuliya") == skeleton("iuliia")
        True
        >>> skeleton("muhammad"), skeleton("mohamed"), skeleton("mhmd")
        ('mhmd', 'mhmd', 'mhmd')
        >>> skeleton("maria") != skeleton("mario")
        True
    """
    s = word
    for old, new in _SKELETON_RULES:
        s = s.replace(old, new)
    s = _INITIAL_GLIDE.sub("J", s).replace("j", "y").replace("J", "j")
    s = _SOFT_C.sub("s", s).replace("c", "k")
    if s.startswith("h"):
        s = s[1:]
    end = _FINAL_VOWEL.get(s[-1:], "")
    s = _DOUBLES.sub(r"\1", _VOWELS.sub("", s)) + end
    return s or word[:1]
