"""The daily request window, as pure functions of an instant and the settings.

The report's window runs from 12:00 to 11:00 the next day, New York time (23
hours); the hour in between is for the draw. A request made inside the window
joins the pool of the day on which the window closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    timezone: str
    opens: time
    closes: time

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def pool_date(self, at: datetime) -> date | None:
        """The pool a request made at ``at`` joins, or None when the window is shut."""
        local = at.astimezone(self.zone)
        t, today = local.time(), local.date()
        if self.opens > self.closes:  # spans midnight: the usual case
            if t >= self.opens:
                return today + timedelta(days=1)
            if t < self.closes:
                return today
            return None
        if self.opens <= t < self.closes:
            return today
        return None

    def next_opening(self, at: datetime) -> datetime:
        local = at.astimezone(self.zone)
        candidate = datetime.combine(local.date(), self.opens, tzinfo=self.zone)
        if candidate <= local:
            candidate = datetime.combine(
                local.date() + timedelta(days=1), self.opens, tzinfo=self.zone
            )
        return candidate

    def closes_at(self, pool_date: date) -> datetime:
        """When the window for ``pool_date`` closes (and its draw may run)."""
        return datetime.combine(pool_date, self.closes, tzinfo=self.zone)
