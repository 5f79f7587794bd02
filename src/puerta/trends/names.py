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
* ``key`` and ``skel``: :func:`skeleton` of the first word and of every word
  (Aleksandr, Alexander and Oleksandr all give ``lksndr``; Harutyunyan and
  Arutyunyan both give ``rtnn``; an Arabic ``محمد`` (``mhmd``) meets Mohammed
  and Muhammad).
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
]


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
