"""The report's algorithm, kept as the baseline: its contract, and its unfairness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from puerta.draw.baseline import baseline_draw
from puerta.draw.pool import PoolEntry
from tests.draw.strategies import capacities, pools

T = datetime(2023, 5, 1, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(pools(), capacities, st.binary(min_size=1, max_size=32), st.sampled_from([0.0, 0.3, 1.0]))
def test_contract(pool, capacity, seed, share) -> None:
    picks = baseline_draw(pool, capacity, seed, share)
    by_id = {e.request_id: e for e in pool}
    assert len({p.request_id for p in picks}) == len(picks)
    used: dict[str, int] = {}
    for p in picks:
        e = by_id[p.request_id]
        used[e.port_code] = used.get(e.port_code, 0) + e.seats
    assert all(used[port] <= capacity[port] for port in used)
    assert picks == baseline_draw(pool, capacity, seed, share)


def test_oldest_registrations_take_the_seniority_seats() -> None:
    pool = [PoolEntry(i, f"R{i}", "SYS", 1, T + timedelta(days=i)) for i in range(1, 20)]
    picks = baseline_draw(pool, {"SYS": 10}, b"s", 0.3)
    assert [p.request_id for p in picks if p.reason == "seniority"] == [1, 2, 3]
    assert len(picks) == 10


def test_a_group_that_does_not_fit_is_passed_over() -> None:
    pool = [PoolEntry(1, "R1", "SYS", 5, T), PoolEntry(2, "R2", "SYS", 1, T)]
    picks = baseline_draw(pool, {"SYS": 2}, b"s", 0.0)
    assert [p.request_id for p in picks] == [2]


def test_more_registrations_more_tickets() -> None:
    """The report's finding: ten registrations of one person, ten tickets."""
    wins = 0
    pool = [PoolEntry(i, f"R{i}", "SYS", 1, T, ("many",)) for i in range(10)]
    pool += [PoolEntry(100 + i, f"S{i}", "SYS", 1, T, (f"one{i}",)) for i in range(90)]
    for day in range(300):
        picks = baseline_draw(pool, {"SYS": 1}, day.to_bytes(4, "big"), 0.0)
        wins += picks[0].request_id < 10
    assert wins > 300 * 0.05  # ~10% of seats to 1% of people


def test_rejects_a_bad_share() -> None:
    import pytest

    with pytest.raises(ValueError, match="seniority_share"):
        baseline_draw([], {}, b"s", 1.5)
