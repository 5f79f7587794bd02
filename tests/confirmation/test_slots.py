from __future__ import annotations

from datetime import time

from puerta.confirmation.slots import slot_for


def test_slots_spread_over_opening_hours() -> None:
    slots = [slot_for(i, 48, time(7), time(19)) for i in range(48)]
    assert slots[0] == time(7)
    assert slots[-1] < time(19)
    assert slots == sorted(slots)
    assert len(set(slots)) == 48  # 12 h of 15-minute slots, one seat each


def test_out_of_range_seat_is_clamped() -> None:
    assert slot_for(1000, 10, time(7), time(19)) == slot_for(9, 10, time(7), time(19))
