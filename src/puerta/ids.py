"""Opaque public identifiers.

Ids that leave the system (registration ids, confirmation codes) are random,
so that knowing one tells nothing about another and they cannot be walked.
"""

from __future__ import annotations

import secrets

# Crockford's base32: no I, L, O, U, so a code read aloud or off a screen survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_id(prefix: str, length: int = 16) -> str:
    """``new_id("R")`` -> ``"R4X9..."``: 80 random bits behind a readable prefix."""
    return prefix + random_code(length)


def normalise_code(code: str) -> str:
    """Accept what a person types: lower case, spaces, dashes, and O/I/L for 0/1."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
