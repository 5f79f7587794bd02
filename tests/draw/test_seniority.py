"""Seniority seats: one rule, the decimal reading of the share, in both draws."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from puerta.draw import allocation, fair, pool
from puerta.draw.baseline import baseline_draw
from puerta.draw.pool import PoolEntry

T = datetime(2023, 5, 1, tzinfo=UTC)

# Each but the last two is a product binary floating point rounds down
# (100 * 0.29 == 28.999999999999996), where int(seats * share) loses a seat.
CASES = [
    (100, 0.29, 29),
    (100, 0.57, 57),
    (200, 0.58, 116),
    (1450, 0.58, 841),
    (1450, 0.29, 420),
    (290, 0.3, 87),
]


@pytest.mark.parametrize(("seats", "share", "expected"), CASES)
def test_the_share_is_read_as_the_decimal_it_is_written_as(
    seats: int, share: float, expected: int
) -> None:
    assert pool.senior_seats(seats, share) == expected


def _pool(n: int) -> list[PoolEntry]:
    """``n`` single travelers, each registered a minute after the one before."""
    return [PoolEntry(i, f"R{i}", "SYS", 1, T + timedelta(minutes=i), (f"p{i}",)) for i in range(n)]


@pytest.mark.parametrize(("seats", "share", "expected"), CASES)
def test_both_draws_give_seniority_the_same_seats(seats: int, share: float, expected: int) -> None:
    entries = _pool(seats + 50)
    base = baseline_draw(entries, {"SYS": seats}, b"seed", share)
    assert [p.request_id for p in base if p.reason == "seniority"] == list(range(expected))
    puerta = fair.fair_draw(entries, {"SYS": seats}, bytes(32), share)
    reasons = list(puerta.allocation.selected.values())
    assert reasons.count("seniority") == expected


def test_one_function_serves_both_draws() -> None:
    assert allocation.senior_seats is pool.senior_seats
    assert fair.senior_seats is pool.senior_seats
