"""The marker that puts a message in the catalog: ``M(code, english)``.

Why a marker and not ``gettext`` calls: services must not translate (they do
not know who reads them), but the catalog extractor must still find every
message. ``M`` returns a plain value; Babel extracts it with the code as the
gettext *context* (``M:1c,2``), so two situations with the same English words
remain two entries a translator can render differently.

Example:
    >>> m = M("doc.draw_done", "The draw for {pool_date} has already run.")
    >>> m.code, m.placeholders
    ('doc.draw_done', frozenset({'pool_date'}))
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cached_property

#: Every message marked with ``M``, by code: the catalogue the tests walk.
REGISTRY: dict[str, Message] = {}


@dataclass(frozen=True)
class Message:
    """A stable code and the English source text, with ``{name}`` placeholders."""

    code: str
    text: str

    @cached_property
    def placeholders(self) -> frozenset[str]:
        """The parameter names the text uses."""
        return frozenset(
            name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(self.text)
            if name
        )


def M(code: str, text: str) -> Message:
    """Declare a catalog message; a second text for one code is a programming error."""
    found = REGISTRY.get(code)
    if found is not None and found.text != text:
        raise ValueError(f"message code {code!r} declared twice with different texts")
    message = Message(code, text)
    REGISTRY[code] = message
    return message
