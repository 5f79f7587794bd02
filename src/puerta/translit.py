"""Romanisation tables shared by the generator and :mod:`puerta.names` (the draw and the trends).

Eastern Armenian as Armenian passports write it. anyascii gives ``ow`` for
``ու`` and apostrophes for aspirates (``Harowt'yownyan``), which matches
nothing a person types, so every module that romanises names uses these.
"""

from __future__ import annotations

ARMENIAN_LETTERS: dict[str, str] = {
    "ա": "a",
    "բ": "b",
    "գ": "g",
    "դ": "d",
    "ե": "e",
    "զ": "z",
    "է": "e",
    "ը": "y",
    "թ": "t",
    "ժ": "zh",
    "ի": "i",
    "լ": "l",
    "խ": "kh",
    "ծ": "ts",
    "կ": "k",
    "հ": "h",
    "ձ": "dz",
    "ղ": "gh",
    "ճ": "ch",
    "մ": "m",
    "յ": "y",
    "ն": "n",
    "շ": "sh",
    "ո": "o",
    "չ": "ch",
    "պ": "p",
    "ջ": "j",
    "ռ": "r",
    "ս": "s",
    "վ": "v",
    "տ": "t",
    "ր": "r",
    "ց": "ts",
    "ւ": "v",
    "փ": "p",
    "ք": "k",
    "օ": "o",
    "ֆ": "f",
}
"""One Armenian letter -> Latin."""

ARMENIAN_DIGRAPHS: dict[str, str] = {"ու": "u", "և": "ev"}
"""Sequences to replace before single letters (``ու`` is one sound, ``u``)."""

ARMENIAN: dict[str, str] = {**ARMENIAN_DIGRAPHS, **ARMENIAN_LETTERS}
"""Digraphs first, then letters: the table the regex-based romanisers use."""
