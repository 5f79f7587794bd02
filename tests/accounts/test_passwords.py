from __future__ import annotations

from puerta.accounts import passwords


def test_rules_are_length_and_blocklist_only() -> None:
    assert passwords.problem_with("short") is not None
    assert passwords.problem_with("Password123") is not None  # common, case-insensitive
    assert passwords.problem_with("alllowercaseisfine") is None
    assert passwords.problem_with("x" * 300) is not None


def test_hash_is_argon2id_and_verifies() -> None:
    h = passwords.hash_password("a long passphrase")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "a long passphrase")
    assert not passwords.verify_password(h, "another passphrase")
    assert not passwords.verify_password("!", "anything")
