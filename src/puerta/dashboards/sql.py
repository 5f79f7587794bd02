"""The few SQL pieces the dashboards need that the two backends spell differently.

Why hours: a day on the dashboards is a day in the deployment's time zone (the
request window's), and neither backend converts a zone the same way (SQLite has
no zone data at all). Grouping by the UTC hour in SQL and giving each hour its
local day in Python is exact for zones whose offset is a whole number of hours
(every U.S. zone, DST included), and costs at most 24 rows a day per group.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

HOUR_FORMAT = "%Y-%m-%d %H"


class utc_hour(FunctionElement[str]):
    """``'YYYY-MM-DD HH'`` of a UTC datetime column, on SQLite and PostgreSQL."""

    type = String()
    inherit_cache = True
    name = "utc_hour"


@compiles(utc_hour, "sqlite")
def _sqlite_hour(element: utc_hour, compiler: Any, **kw: Any) -> str:
    # SQLite keeps the UTC datetimes naive, as 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.clauses, **kw)})"


@compiles(utc_hour, "postgresql")
def _postgresql_hour(element: utc_hour, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


def hour_of(column: ColumnElement[Any]) -> utc_hour:
    return utc_hour(column)


def local_day(hour: str, zone: ZoneInfo) -> date:
    """The day in ``zone`` of a UTC hour as :func:`utc_hour` writes it.

    Example:
        >>> local_day("2026-03-05 03", ZoneInfo("America/New_York"))
        datetime.date(2026, 3, 4)
    """
    return datetime.strptime(hour, HOUR_FORMAT).replace(tzinfo=UTC).astimezone(zone).date()


def utc_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants from the start of ``start`` to the end of ``end`` in ``zone``, in UTC."""
    first = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return first, after
