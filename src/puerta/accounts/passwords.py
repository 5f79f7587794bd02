"""Password rules (NIST SP 800-63B style) and hashing with argon2id.

Length and a blocklist of common passwords, and no composition rules: those
push people to "Password1!" and help nobody.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from puerta.errors import PasswordTooCommon, PasswordTooLong, PasswordTooShort, PuertaError

MIN_LENGTH = 8
MAX_LENGTH = 256
_hasher = PasswordHasher()  # argon2id with the library's current parameters


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    text = files("puerta.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def problem_with(password: str) -> PuertaError | None:
    """Why a password is not acceptable (a coded error naming the ``password`` field), or None."""
    if len(password) < MIN_LENGTH:
        return PasswordTooShort(min_length=MIN_LENGTH, field="password")
    if len(password) > MAX_LENGTH:
        return PasswordTooLong(max_length=MAX_LENGTH, field="password")
    if password.casefold() in _common():
        return PasswordTooCommon(field="password")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    if stored_hash.startswith("!"):  # accounts that cannot sign in (imported owners)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return not stored_hash.startswith("!") and _hasher.check_needs_rehash(stored_hash)


# A hash checked against when the account does not exist, so that timing does
# not tell which emails have accounts.
DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")
