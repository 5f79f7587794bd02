"""The date of birth is checked against the clock's "today", never the wall clock's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from puerta.clock import FrozenClock, in_effect
from puerta.registration.schemas import TravelerIn
from tests.api_support import Api, traveler

# The suite's clock (tests/conftest.py) is 2026-03-04; this is after it, and long
# before any wall-clock date this suite runs on.
AFTER_THE_CLOCK = date(2026, 6, 1)


def _traveler(born: date) -> TravelerIn:
    return TravelerIn.model_validate({**traveler(), "date_of_birth": born})


def test_the_clock_in_effect_says_what_today_is() -> None:
    with in_effect(FrozenClock(datetime(2026, 3, 4, 23, 59, tzinfo=UTC))):
        assert _traveler(date(2026, 3, 4)).date_of_birth == date(2026, 3, 4)
        with pytest.raises(ValidationError) as refused:
            _traveler(date(2026, 3, 5))
    assert [e["loc"] for e in refused.value.errors()] == [("date_of_birth",)]
    with in_effect(FrozenClock(datetime(2026, 3, 5, 0, 0, tzinfo=UTC))):
        assert _traveler(date(2026, 3, 5)).date_of_birth == date(2026, 3, 5)


def test_the_api_reads_the_apps_clock(api: Api) -> None:
    token = api.sign_up_verified("born@example.org")
    late = {"travelers": [traveler(date_of_birth=AFTER_THE_CLOCK.isoformat())]}
    refused = api.client.post("/api/v1/registrations", json=late, headers=api.auth(token))
    assert refused.status_code == 422, refused.text
    fields = [e["field"] for e in refused.json()["errors"]]
    assert any(f.endswith("date_of_birth") for f in fields), fields
    today = {"travelers": [traveler(date_of_birth=api.clock.now().date().isoformat())]}
    made = api.client.post("/api/v1/registrations", json=today, headers=api.auth(token))
    assert made.status_code == 201, made.text
