"""Secrets kept at rest sealed: AES-256-GCM with a key derived from ``secret_key``.

Why: a TOTP secret is a password the server must be able to read back (to compute the
expected code), so it cannot be hashed like one. A copy of the database (a backup, a
dump handed to a contractor) must not give away every officer's second factor, so the
secret is encrypted with a key that lives only in the settings. The key is derived with
HKDF-SHA256 from ``secret_key`` and a purpose label, so the same setting never serves as
the raw key of two things. The row it belongs to (``context``, e.g. the account's id)
is bound in as associated data: a sealed secret copied onto another account's row does
not open there.

Changing ``secret_key`` makes every sealed secret unreadable: staff then enrol again
(``puerta staff reset-second-factor``), as docs/operations.md says.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
NONCE_BYTES = 12


class Unsealable(ValueError):
    """The sealed text was not made with this key and context (or was altered)."""


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A 256-bit key for ``purpose`` from the ``secret_key`` setting.

    Example:
        >>> derive_key("k", "a") == derive_key("k", "a") != derive_key("k", "b")
        True
    """
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"puerta:{purpose}".encode())
    return hkdf.derive(secret_key.encode())


def seal(key: bytes, plain: str, context: str) -> str:
    """``plain`` encrypted and authenticated, as ``v1:<base64url(nonce + ciphertext)>``."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plain.encode(), context.encode())
    return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(key: bytes, text: str, context: str) -> str:
    """What :func:`seal` sealed; :class:`Unsealable` for another key, context or a change.

    Example:
        >>> key = derive_key("k", "totp")
        >>> unseal(key, seal(key, "JBSWY3DP", "user:1"), "user:1")
        'JBSWY3DP'
    """
    version, _, body = text.partition(":")
    if version != VERSION:
        raise Unsealable(f"unknown version {version!r}")
    raw = base64.urlsafe_b64decode(body.encode())
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except InvalidTag:
        raise Unsealable("not sealed with this key and context") from None
