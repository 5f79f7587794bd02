"""The port day's pure rules: when hours end in the port's own zone, and whether the
address on a notice to appear is the registered one however it is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puerta.arrivals.rules import (
    MatchRate,
    NoticeAddress,
    closing_instant,
    last_closed_day,
    notice_key,
    same_address,
)

CLOSES = time(19, 0)
DAY = date(2026, 3, 4)


@pytest.mark.parametrize(
    ("zone", "utc_hour"),
    [
        ("America/Los_Angeles", 3),  # 19:00 PST = 03:00 UTC next day
        ("America/Phoenix", 2),  # no daylight saving
        ("America/Denver", 2),
        ("America/Chicago", 1),
    ],
)
def test_the_day_ends_at_the_ports_own_closing_time(zone: str, utc_hour: int) -> None:
    assert closing_instant(DAY, CLOSES, zone) == datetime(2026, 3, 5, utc_hour, tzinfo=UTC)


def test_daylight_saving_moves_the_closing_instant() -> None:
    # 2026-03-08: clocks go forward in Los Angeles, not in Phoenix.
    after = date(2026, 3, 9)
    assert closing_instant(after, CLOSES, "America/Los_Angeles").hour == 2
    assert closing_instant(after, CLOSES, "America/Phoenix").hour == 2
    assert closing_instant(DAY, CLOSES, "America/Los_Angeles").hour == 3


def test_the_last_closed_day_is_today_only_after_closing() -> None:
    zone = "America/Chicago"
    closing = closing_instant(DAY, CLOSES, zone)
    assert last_closed_day(closing.replace(minute=0, second=0), CLOSES, zone) == DAY
    assert last_closed_day(datetime(2026, 3, 5, 0, 59, tzinfo=UTC), CLOSES, zone) == date(
        2026, 3, 3
    )
    # Same instant, another port: still before closing in Los Angeles.
    assert last_closed_day(closing, CLOSES, "America/Los_Angeles") == date(2026, 3, 3)


@given(
    st.datetimes(timezones=st.just(UTC)), st.sampled_from(["America/Chicago", "America/Phoenix"])
)
def test_the_last_closed_day_has_closed_and_the_next_has_not(now: datetime, zone: str) -> None:
    last = last_closed_day(now, CLOSES, zone)
    assert closing_instant(last, CLOSES, zone) <= now
    assert closing_instant(date.fromordinal(last.toordinal() + 1), CLOSES, zone) > now


REGISTERED = NoticeAddress("123 Main Street", "Apt 4", "Houston", "TX", "77002")


@pytest.mark.parametrize(
    "written",
    [
        NoticeAddress("123 MAIN ST", "#4", "houston", "tx", None),
        NoticeAddress("123 main st. apt 4", None, "Houston", "Texas", "77002-1234"),
        NoticeAddress("123 Main Stret", "Unit 4", "HOUSTON", "TX", None),
    ],
)
def test_one_address_written_several_ways_matches(written: NoticeAddress) -> None:
    assert same_address(written, REGISTERED)
    assert notice_key(written) == "123 MAIN ST|4|HOUSTON|TX"


@pytest.mark.parametrize(
    "written",
    [
        NoticeAddress("125 Main St", "Apt 4", "Houston", "TX"),  # another house
        NoticeAddress("123 Main St", "Apt 5", "Houston", "TX"),  # another flat
        NoticeAddress("123 Main St", "Apt 4", "Dallas", "TX"),  # another city
        NoticeAddress("500 Shelter Rd", None, "Houston", "TX"),
    ],
)
def test_another_address_does_not_match(written: NoticeAddress) -> None:
    assert not same_address(written, REGISTERED)


def test_the_rate_is_none_without_notices() -> None:
    assert MatchRate(0, 0).rate is None
    assert MatchRate(5, 6).rate == pytest.approx(5 / 6)
