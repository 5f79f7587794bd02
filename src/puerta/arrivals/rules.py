"""The pure rules of the port's day: when a group becomes a no-show, and whether the
address on a notice to appear is the one the traveler registered.

No store and no clock here: plain values in, plain values out, so the rules are
tested on their own (``tests/arrivals/test_rules.py``).

Example:
    >>> from datetime import UTC, date, datetime, time
    >>> closing_instant(date(2026, 3, 4), time(19, 0), "America/Phoenix")
    datetime.datetime(2026, 3, 5, 2, 0, tzinfo=datetime.timezone.utc)
    >>> notice_key(NoticeAddress("123 Main Street", "Apt 4", "Houston", "tx", None))
    '123 MAIN ST|4|HOUSTON|TX'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from puerta.trends import address_normalise


@dataclass(frozen=True, slots=True)
class NoticeAddress:
    """An address as written: on a notice to appear, or the traveler's advance address."""

    line1: str
    line2: str | None
    city: str
    state: str
    zip_code: str | None = None


def closing_instant(day: date, closes_at: time, timezone: str) -> datetime:
    """When a port's appointment hours of ``day`` end, in UTC (the port's wall clock,
    daylight saving included)."""
    local = datetime.combine(day, closes_at, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def last_closed_day(now: datetime, closes_at: time, timezone: str) -> date:
    """The latest day whose appointment hours have ended at ``now`` (the port's time)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    if now >= closing_instant(today, closes_at, timezone):
        return today
    return today - timedelta(days=1)


def notice_key(address: NoticeAddress) -> str:
    """The normalised key of one address, ``street|unit|city|state``: the one
    normalisation the trend analysis groups addresses with
    (:mod:`puerta.trends.address_normalise`), applied to one row. The ZIP is left
    out, as there: a notice without a ZIP still matches the same street."""
    line = " ".join(p for p in (address.line1, address.line2 or "") if p)
    street, unit, _designator = address_normalise.normalise_street(line)
    city = address_normalise.normalise_city(address.city)
    state = address_normalise.normalise_state(address.state)
    return f"{street}|{unit}|{city}|{state}"


def same_address(notice: NoticeAddress, registered: NoticeAddress) -> bool:
    """Is the address on the notice the advance address, however either was written?"""
    return notice_key(notice) == notice_key(registered)


@dataclass(frozen=True, slots=True)
class MatchRate:
    """How many notices to appear carried the registered address, of how many."""

    matched: int
    total: int

    @property
    def rate(self) -> float | None:
        """The share matched (0..1); None when no notice was written."""
        return self.matched / self.total if self.total else None
