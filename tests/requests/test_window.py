"""The daily window: 12:00 to 11:00 New York time, the hour between for the draw."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from puerta.requests.window import Window

W = Window("America/New_York", time(12, 0), time(11, 0))


@pytest.mark.parametrize(
    ("utc", "pool"),
    [
        (datetime(2026, 3, 4, 15, 59, tzinfo=UTC), date(2026, 3, 4)),  # 10:59 EST
        (datetime(2026, 3, 4, 16, 0, tzinfo=UTC), None),  # 11:00: the draw hour
        (datetime(2026, 3, 4, 16, 59, tzinfo=UTC), None),  # 11:59
        (datetime(2026, 3, 4, 17, 0, tzinfo=UTC), date(2026, 3, 5)),  # 12:00
        (datetime(2026, 3, 5, 4, 30, tzinfo=UTC), date(2026, 3, 5)),  # 23:30 the evening before
        (datetime(2026, 7, 1, 14, 59, tzinfo=UTC), date(2026, 7, 1)),  # 10:59 EDT
        (datetime(2026, 7, 1, 15, 0, tzinfo=UTC), None),  # 11:00 EDT
    ],
)
def test_pool_date(utc: datetime, pool: date | None) -> None:
    assert W.pool_date(utc) == pool


def test_next_opening_is_noon_local() -> None:
    opens = W.next_opening(datetime(2026, 3, 4, 16, 30, tzinfo=UTC))
    assert (opens.hour, opens.minute, opens.date()) == (12, 0, date(2026, 3, 4))


def test_same_day_window() -> None:
    w = Window("UTC", time(8, 0), time(20, 0))
    assert w.pool_date(datetime(2026, 1, 1, 9, tzinfo=UTC)) == date(2026, 1, 1)
    assert w.pool_date(datetime(2026, 1, 1, 21, tzinfo=UTC)) is None
