"""The rules' notation and the database store's sliding-window arithmetic (pure)."""

from __future__ import annotations

import itertools

import pytest

from puerta.config import Settings
from puerta.limits.rules import MICRO, Rule, parse, room, wait, window_of


def test_a_setting_holds_several_windows() -> None:
    assert parse("x", "100/hour;1000/day") == (Rule("x", 100, 3600), Rule("x", 1000, 86400))
    assert parse("x", "3 per 2 seconds") == (Rule("x", 3, 2),)


@pytest.mark.parametrize("text", ["", "lots", "0/hour", "5/fortnight"])
def test_a_rate_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"rate|count"):
        parse("x", text)


def test_a_wrong_rate_in_the_settings_names_the_setting() -> None:
    with pytest.raises(ValueError, match="sign_up_limit_per_device"):
        Settings(_env_file=None, sign_up_limit_per_device="many")


def test_windows_are_fixed_on_the_epoch() -> None:
    assert window_of(3_725_000_000, 3600) == (3600, 125_000_000)
    assert window_of(0, 60) == (0, 0)


def test_the_previous_window_weighs_by_its_overlap() -> None:
    rule = Rule("x", 10, 60)
    assert room(rule, 0, 0) == 10
    assert room(rule, 10, 0) == 0  # the sliding window still covers all of it
    assert room(rule, 10, 30 * MICRO) == 5
    assert room(rule, 4, 59 * MICRO) == 9


def _first_second_allowed(rule: Rule, previous: int, current: int, elapsed_us: int) -> int:
    """Step time a microsecond-exact second at a time until one more hit fits."""
    span = rule.seconds * MICRO
    for s in itertools.count(1):
        at = elapsed_us + s * MICRO
        if at < span:
            if current < room(rule, previous, at):
                return s
        elif at < 2 * span:
            if room(rule, current, at - span) > 0:
                return s
        else:
            return s
    raise AssertionError  # pragma: no cover


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_the_wait_is_the_first_second_a_hit_fits(limit: int) -> None:
    """Brute force over every refused state of small rules: ``wait`` is exact to the second."""
    rule = Rule("x", limit, 10)
    checked = 0
    for previous, current, elapsed_s in itertools.product(
        range(limit + 2), range(limit + 2), range(10)
    ):
        elapsed = elapsed_s * MICRO + 250_000
        if current < room(rule, previous, elapsed):
            continue  # allowed now: no wait
        expected = _first_second_allowed(rule, previous, current, elapsed)
        got = wait(rule, previous, current, elapsed)
        # ``wait`` rounds the exact instant up to whole seconds; the brute force steps
        # whole seconds from ``elapsed``: both name the same second.
        assert got == expected, (previous, current, elapsed_s)
        checked += 1
    assert checked > 0
