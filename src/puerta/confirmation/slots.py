"""Spreading a port-day's arrivals over its opening hours.

Appointments are handed slots in the order they are confirmed, so that a port
sees a steady stream instead of everyone at opening time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

SLOT_MINUTES = 15


def slot_for(seat_index: int, capacity: int, opens: time, closes: time) -> time:
    """The start of the slot of the ``seat_index``-th seat (0-based) of ``capacity``.

    >>> slot_for(0, 100, time(7), time(19))
    datetime.time(7, 0)
    >>> slot_for(99, 100, time(7), time(19))
    datetime.time(18, 45)
    """
    day = date(2000, 1, 1)
    start = datetime.combine(day, opens)
    span = (datetime.combine(day, closes) - start).total_seconds() / 60
    if span <= 0 or capacity <= 0:
        return opens
    index = min(max(seat_index, 0), capacity - 1)
    minutes = int(span * index / capacity) // SLOT_MINUTES * SLOT_MINUTES
    return (start + timedelta(minutes=minutes)).time()
