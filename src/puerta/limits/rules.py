"""Rules, and the arithmetic of the database store's sliding window (pure).

A rule is a count in a window: ``Rule("sign_up.address", 100, 3600)``. Settings hold
them in the ``limits`` library's notation, several windows separated by ``;``:
``"100/hour;1000/day"`` is two rules, both of which must allow a hit.

The database keeps one counter per key and fixed window, and weighs the previous
window's count by how much of it still overlaps the sliding window that ends now, as
the ``limits`` library's sliding-window counter does. That is one atomic ``UPSERT`` per
hit, with no read-then-write race, and two rows per key at most. All times are whole
microseconds since the epoch, so the arithmetic is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import limits

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = 1_000_000


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` hits of one key in any ``seconds``."""

    name: str
    limit: int
    seconds: int

    def key_for(self, digest: str) -> str:
        """The stored key: the rule, its window and the key's digest (see ``store``).

        A changed window starts counting afresh; a changed limit keeps the counts.
        """
        return f"{self.name}/{self.seconds}:{digest}"


@dataclass(frozen=True)
class Verdict:
    """Whether a hit was allowed, and if not how many seconds until one would be."""

    allowed: bool
    retry_after: int = 0


ALLOWED = Verdict(True)


@lru_cache(maxsize=64)
def parse(name: str, text: str) -> tuple[Rule, ...]:
    """The rules of a setting, in the ``limits`` library's notation.

    Example:
        >>> [(r.limit, r.seconds) for r in parse("sign_up.address", "100/hour;1000/day")]
        [(100, 3600), (1000, 86400)]
        >>> parse("check", "30 per 10 minutes")
        (Rule(name='check', limit=30, seconds=600),)
    """
    try:
        items = limits.parse_many(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a rate such as '100/hour' or '5/day'") from exc
    rules = tuple(Rule(name, item.amount, item.get_expiry()) for item in items)
    if not rules or any(r.limit < 1 or r.seconds < 1 for r in rules):
        raise ValueError(f"{text!r}: every rate needs a count and a window of at least 1")
    return rules


def micros(now: datetime) -> int:
    """``now`` as whole microseconds since the epoch."""
    return (now - EPOCH) // timedelta(microseconds=1)


def window_of(now_us: int, seconds: int) -> tuple[int, int]:
    """The fixed window ``now`` falls in: its start (in whole seconds) and how far into
    it ``now`` is (in microseconds).

    Example:
        >>> window_of(3_725_000_000, 3600)  # 01:02:05 after the epoch, hourly windows
        (3600, 125000000)
    """
    span = seconds * MICRO
    return now_us // span * seconds, now_us % span


def room(rule: Rule, previous: int, elapsed_us: int) -> int:
    """How many hits the current window may hold now: the limit less the previous
    window's count weighed by the share of it the sliding window still covers.

    Example:
        >>> r = Rule("x", 10, 60)
        >>> room(r, 0, 0), room(r, 10, 0), room(r, 10, 30 * MICRO), room(r, 10, 54 * MICRO)
        (10, 0, 5, 9)
    """
    span = rule.seconds * MICRO
    return (rule.limit * span - previous * (span - elapsed_us)) // span


def wait(rule: Rule, previous: int, current: int, elapsed_us: int) -> int:
    """Whole seconds (at least 1) until a refused key may make one more hit, if it
    makes no other: the previous window's weight shrinks as time passes, and once the
    window turns the current count becomes the previous one.

    Example:
        >>> r = Rule("x", 10, 60)
        >>> wait(r, 10, 5, 30 * MICRO)  # one more fits once 4 of the 10 weigh: at 36 s
        6
        >>> wait(r, 0, 10, 30 * MICRO)  # full: 30 s to the next window, then 6 s more
        36
    """
    span = rule.seconds * MICRO
    if current <= rule.limit - 1 and previous > 0:
        at = span - (rule.limit - 1 - current) * span // previous
        waited = at - elapsed_us
    else:
        at = span - (rule.limit - 1) * span // max(current, 1)
        waited = span - elapsed_us + at
    return max(1, -(-waited // MICRO))
