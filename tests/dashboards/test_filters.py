"""The dashboards' query string: defaults, and a coded refusal for each bad value."""

from __future__ import annotations

from datetime import date

import pytest

from puerta.dashboards.metrics import Filters
from puerta.dashboards.service import DEFAULT_DAYS, MAX_DAYS, parse_filters
from puerta.errors import (
    DashboardDateInvalid,
    DashboardPortUnknown,
    DashboardRangeReversed,
    DashboardRangeTooLong,
)

TODAY = date(2026, 3, 7)
PORTS = ["CXL", "SYS"]


def _parse(start: str | None = None, end: str | None = None, port: str | None = None) -> Filters:
    return parse_filters(start, end, port, ports=PORTS, today=TODAY)


def test_nothing_asked_is_the_last_four_weeks_at_every_port() -> None:
    filters = _parse()
    assert filters == Filters(date(2026, 2, 8), TODAY, None)
    assert len(filters.days) == DEFAULT_DAYS
    assert _parse("", " ", "") == filters


def test_one_end_keeps_the_default_length() -> None:
    assert _parse(end="2026-02-28") == Filters(date(2026, 2, 1), date(2026, 2, 28))
    assert _parse(start="2026-01-01") == Filters(date(2026, 1, 1), date(2026, 1, 28))
    # From a recent day: up to today, not into the future.
    assert _parse(start="2026-03-05") == Filters(date(2026, 3, 5), TODAY)
    # From a day after today: that day alone.
    assert _parse(start="2026-04-01") == Filters(date(2026, 4, 1), date(2026, 4, 1))


def test_a_port_is_one_of_the_ports_in_any_case() -> None:
    assert _parse(port="sys").port == "SYS"
    with pytest.raises(DashboardPortUnknown) as caught:
        _parse(port="xyz")
    assert caught.value.field == "port"


@pytest.mark.parametrize("bad", ["yesterday", "2026-02-30", "2026/03/01", "1" * 40])
def test_a_date_that_is_not_one_is_refused_on_its_field(bad: str) -> None:
    with pytest.raises(DashboardDateInvalid) as caught:
        _parse(start=bad)
    assert caught.value.field == "from"
    with pytest.raises(DashboardDateInvalid) as caught:
        _parse(end=bad)
    assert caught.value.field == "to"


def test_a_reversed_or_too_long_range_is_refused() -> None:
    with pytest.raises(DashboardRangeReversed):
        _parse("2026-03-02", "2026-03-01")
    assert len(_parse("2025-03-07", "2026-03-07").days) == MAX_DAYS
    with pytest.raises(DashboardRangeTooLong):
        _parse("2025-03-06", "2026-03-07")
