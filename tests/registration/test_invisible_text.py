"""A name that draws nothing is missing; joiners that scripts need inside a word stay."""

from __future__ import annotations

import pytest

from puerta.errors import Required
from puerta.registration.validation import clean_text
from tests.api_support import Api, traveler


@pytest.mark.parametrize("typed", ["\u200b\u200b", " \u200b \ufeff ", "\u200d", "\u0301", "\u200e"])
def test_only_invisible_characters_is_missing(typed: str) -> None:
    with pytest.raises(Required):
        clean_text(typed, max_len=100)


def test_edges_are_trimmed_and_joiners_inside_a_word_kept() -> None:
    assert clean_text("\u200bAna\u200b", max_len=100) == "Ana"
    assert clean_text("نرگس\u200cآرا", max_len=100) == "نرگس\u200cآرا"  # ZWNJ in Persian
    assert clean_text("José", max_len=100) == "José"  # NFC


def test_the_api_refuses_a_zero_width_name(api: Api) -> None:
    token = api.sign_up_verified("ana@example.org")
    body = {"travelers": [traveler(given_names="\u200b\u200b")]}
    r = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "travelers.0.given_names"
    assert r.json()["errors"][0]["code"] == "value.required"
