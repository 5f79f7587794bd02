"""Name romanisation and matching keys for identity resolution.

Why this exists: a person who registers many times writes their name many
ways. The same Armenian surname arrives as ``Հարությունյան``,
``Harutyunyan`` and ``Arutyunyan``; a Ukrainian given name as ``Олександр``,
``Oleksandr``, ``Aleksandr`` or ``Alexander``. The probabilistic model can
only weigh such variants if they are first brought to one script and then to
keys that survive the usual transliteration choices.

The normalisation itself (particles, :func:`romanise`, :func:`skeleton`)
is :mod:`puerta.names`, shared with the draw's person keys so that both
agree on what "the same name" is. This module builds the matching forms
the Splink comparison levels read:

* ``norm``: the romanised name; ``first``: its first word without particles.
* ``key`` and ``skel``: :func:`variant_skeleton` of the first word and of
  every word (Aleksandr, Alexander and Oleksandr all give ``lksndr``;
  Harutyunyan, Haroutiounian and Arutyunyan all give ``rtn``; an Arabic
  ``محمد`` (``mhmd``) meets Mohammed, Mouhammad and Muhammad; German
  Wjatscheslaw and French Viatcheslav meet Vyacheslav; Georgian Mikheil
  meets German Michail).
* ``phon``: :func:`phonetic`, Metaphone of the first word, for sound-alike typos.

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

from puerta.names import PARTICLES, fold_latin, romanise, skeleton, tokens

__all__ = [
    "PARTICLES",
    "fold_latin",
    "keys_from_norm",
    "name_keys",
    "name_keys_many",
    "phonetic",
    "romanise",
    "skeleton",
    "tokens",
    "variant_skeleton",
]

# German and French spell one Cyrillic sound with more letters than English
# does (ш: sch / ch / sh; ч: tsch / tch / ch; щ: schtsch / chtch / shch), and
# х is ch in German but kh in English and French. Rewritten to the English
# spelling before the shared skeleton, longest first.
_CONVENTIONS: tuple[tuple[str, str], ...] = (
    ("schtsch", "shch"),
    ("chtch", "shch"),
    ("tsch", "ch"),
    ("tch", "ch"),
    ("dsch", "j"),
    ("sch", "sh"),
)
_HUSHING = re.compile(r"(sh|kh|h)+")


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


@lru_cache(maxsize=200_000)
def variant_skeleton(word: str) -> str:
    """:func:`skeleton`, also folding German and French romanisation conventions.

    Why not in :func:`skeleton`: that one is shared with the draw's person
    keys (:mod:`puerta.identity.keys`), and changing it would change the keys
    of published draws. This one is the trend analysis's only: the German
    and French digraphs are rewritten the English way (:data:`_CONVENTIONS`),
    then, in the skeleton, ``kh``, ``sh`` and ``h`` (х, ш, German ch) are one
    letter, ``h``. Lossy on purpose: it is a blocking key and one comparison
    level among many, whose u the data at hand prices.

    Example:
        >>> variant_skeleton("wjatscheslaw") == variant_skeleton("vyacheslav")
        True
        >>> variant_skeleton("michail") == variant_skeleton("mikheil")
        True
        >>> variant_skeleton("chtcherbakov") == variant_skeleton("shcherbakov")
        True
    """
    for old, new in _CONVENTIONS:
        word = word.replace(old, new)
    return _HUSHING.sub("h", skeleton(word))


def keys_from_norm(norm: str) -> dict[str, str | None]:
    """:func:`name_keys` from an already romanised value (empty gives nulls)."""
    if not norm:
        return {"norm": None, "first": None, "key": None, "skel": None, "phon": None}
    words = tokens(norm, drop_particles=True)
    return {
        "norm": norm,
        "first": words[0],
        "key": variant_skeleton(words[0]),
        "skel": " ".join(variant_skeleton(w) for w in words),
        "phon": phonetic(words[0]),
    }
