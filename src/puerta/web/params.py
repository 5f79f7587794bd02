"""Bounds on numbers and dates in paths and queries, so that no value a client can type
reaches the store or date arithmetic out of range (a 422 that says why, never a 500).

Ids are ``INTEGER`` columns: 32-bit on PostgreSQL (SQLite's are 64-bit); Python's
dates end at 9999-12-31, and a briefing adds days to its start.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

from puerta.errors import DateOutOfRange

#: The largest id both stores can hold in an ``INTEGER`` column.
MAX_ROW_ID = 2**31 - 1
#: The dates a service day can be: wide enough for any real use, far from date's limits.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2199, 12, 31)


def service_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise DateOutOfRange(first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    return value


RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]
ServiceDay = Annotated[date, AfterValidator(service_day)]
