"""Blanking invalid optional values (``rowcheck.check_registration(strict=False)``).

The rule, checked over the hostile rows of test_fastcheck: a registration is kept
with blanks only when every reason was an optional column's own value, the
blanked registration passes the strict check, and nothing else changes; any
other registration gets exactly the strict verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from puerta import clock
from puerta.dataset import rowcheck
from tests.dataset.test_fastcheck import (
    GOOD,
    LEVEL,
    MAX_TRAVELERS,
    _mutate,
    _registration,
    level,
    mostly_good,
    mutation,
    traveler,
)


@pytest.fixture(autouse=True, scope="module")
def _today() -> Iterator[None]:
    with clock.in_effect(clock.FrozenClock(dt.datetime(2026, 3, 4, 23, 59, tzinfo=dt.UTC))):
        yield


def _blank(rows: list[dict[str, Any]], blanked: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    out = [dict(r) for r in rows]
    for pos, reason in blanked:
        for row in out if reason.column in rowcheck.OPTIONAL_LEVEL else [out[pos]]:
            row[reason.column] = None
    return out


#: a good traveler with one or two optional columns given a hostile value
optional_bad = st.builds(
    lambda t, keep: {**GOOD, **{k: t[k] for k in keep}},
    traveler,
    st.sets(st.sampled_from(sorted(rowcheck.OPTIONAL_TRAVELER)), min_size=1, max_size=2),
)
#: registration-level values of the optional columns only, hostile ones among them
optional_level = st.fixed_dictionaries(
    {}, optional={k: st.sampled_from(LEVEL[k]) for k in ("device_id", "ip", "form_seconds")}
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.tuples(
            st.lists(st.one_of(traveler, mostly_good), min_size=1, max_size=4), level, mutation
        ),
        st.tuples(st.lists(optional_bad, min_size=1, max_size=4), optional_level, mutation),
        st.tuples(st.lists(optional_bad, min_size=1, max_size=4), optional_level, st.just("none")),
    )
)
def test_blanking_keeps_only_what_the_strict_rule_keeps_once_blanked(
    registration: tuple[list[dict[str, Any]], dict[str, Any], str],
) -> None:
    travelers, lv, how = registration
    rows = _mutate(_registration("R0", travelers, lv), how)
    strict = rowcheck.check_registration(rows, MAX_TRAVELERS)
    lenient = rowcheck.check_registration(rows, MAX_TRAVELERS, strict=False)
    if strict.ok or not lenient.ok:
        assert (lenient.ok, lenient.reasons, lenient.blanked) == (strict.ok, strict.reasons, [])
        assert lenient.travelers == strict.travelers
        return
    event("kept with blanks")
    assert lenient.blanked
    assert {r.column for _, r in lenient.blanked} <= rowcheck.OPTIONAL
    found = [(pos, r) for pos, why in strict.reasons.items() for r in why]
    assert lenient.blanked == found  # every reason was blanked away, none was left out
    again = rowcheck.check_registration(_blank(rows, lenient.blanked), MAX_TRAVELERS)
    assert again.ok
    assert (lenient.level, lenient.travelers) == (again.level, again.travelers)
    assert lenient.originals is rows  # the rejects file gets the rows as read


def test_a_row_that_disagrees_on_an_optional_column_is_not_blanked() -> None:
    """``device_id`` is optional, but a second row with another device is a structural
    fault (whose device is it?), not a bad value: the registration is rejected."""
    rows = _registration("R0", [GOOD, {**GOOD, "given_names": "Luis"}], {})
    rows[1]["device_id"] = "other-device"
    checked = rowcheck.check_registration(rows, MAX_TRAVELERS, strict=False)
    assert not checked.ok
    assert checked.blanked == []
    assert [r.code for r in checked.reasons[1]] == ["import.row_differs"]


def test_an_invalid_phone_is_blanked_on_its_row_only() -> None:
    rows = _registration("R0", [GOOD, {**GOOD, "phone": "+52 12"}], {})
    checked = rowcheck.check_registration(rows, MAX_TRAVELERS, strict=False)
    assert checked.ok
    assert [(pos, r.column, r.code) for pos, r in checked.blanked] == [(1, "phone", "value.phone")]
    assert [t["phone"] for t in checked.travelers] == ["+525512345678", None]
    assert not rowcheck.check_registration(rows, MAX_TRAVELERS).ok  # strict is the default here
