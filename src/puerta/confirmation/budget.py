"""The liveness vendor's contract, shared by every worker and machine: rate, quota, breaker.

The contract allows ``rate`` scans a second and ``quota`` scans in all. One row of
``liveness_vendor_budget`` holds the whole state; :func:`decide` is the pure rule and
:class:`Budget` reads the row, decides and writes it back with a compare-and-set on
``version`` (an ``UPDATE ... WHERE version = :seen``), so two workers that read the
same state cannot both be granted the same slot, on SQLite as on PostgreSQL, and no
lock is held while the vendor is called.

The rate is the generic cell rate algorithm with a burst of one: ``next_at`` is the
earliest instant of the next scan, and a grant moves it one interval past the later
of itself and now. So two grants are never closer than one interval, which is what
the vendor enforces. The interval is the contract's, widened by ``pace_margin``.

The circuit breaker counts consecutive failures (5xx, time-outs, connection errors;
a 429 is the vendor's rate talking, not a failure). At ``breaker_failures`` it opens
for ``open_for``; after that one caller is granted a probe (the breaker stays open
for the others while it runs, ``probe_lease``); the probe's success closes it, its
failure opens it again.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation.models import VendorBudget
from puerta.db import Database

NAME = "liveness-vendor"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CAS_TRIES = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Contract:
    """What the client keeps to: its pace, the quota, the breaker's thresholds."""

    interval: timedelta
    quota: int
    breaker_failures: int
    open_for: timedelta
    probe_lease: timedelta

    @property
    def rate(self) -> float:
        """Scans a second the client sends at most (the contract's, less the margin)."""
        return 1.0 / self.interval.total_seconds()

    @classmethod
    def of(cls, settings: Settings) -> Contract:
        pace = settings.vendor_rate_per_second * (1.0 - settings.vendor_pace_margin)
        return cls(
            interval=timedelta(seconds=1.0 / pace),
            quota=settings.vendor_quota,
            breaker_failures=settings.vendor_breaker_failures,
            open_for=timedelta(seconds=settings.vendor_breaker_open_seconds),
            probe_lease=timedelta(seconds=settings.vendor_timeout_seconds + 1.0),
        )


@dataclass(frozen=True)
class State:
    next_at: datetime
    used: int
    failures: int
    open_until: datetime | None


class Verdict(enum.StrEnum):
    GO = "go"  # send now
    PROBE = "probe"  # send now: the half-open breaker's one probe
    RATE = "rate"  # wait until ``at``
    OPEN = "open"  # the breaker is open until ``at``
    QUOTA = "quota"  # the total quota is spent: nothing to wait for


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    at: datetime | None = None

    @property
    def granted(self) -> bool:
        return self.verdict in (Verdict.GO, Verdict.PROBE)


def decide(state: State, now: datetime, contract: Contract) -> tuple[State | None, Decision]:
    """May a scan be sent now? The new state when one is granted (None: unchanged).

    Example:
        >>> c = Contract(timedelta(seconds=1), 10, 3, timedelta(seconds=30), timedelta(seconds=5))
        >>> s = State(EPOCH, 0, 0, None)
        >>> t = datetime(2026, 3, 4, tzinfo=UTC)
        >>> s, d = decide(s, t, c); d.verdict, s.used
        (<Verdict.GO: 'go'>, 1)
        >>> decide(s, t + timedelta(seconds=0.5), c)[1].verdict
        <Verdict.RATE: 'rate'>
    """
    if state.used >= contract.quota:
        return None, Decision(Verdict.QUOTA)
    if state.open_until is not None and now < state.open_until:
        return None, Decision(Verdict.OPEN, state.open_until)
    if state.next_at > now:
        return None, Decision(Verdict.RATE, state.next_at)
    granted = replace(
        state, next_at=max(state.next_at, now) + contract.interval, used=state.used + 1
    )
    if state.failures >= contract.breaker_failures:  # half-open: this one probes
        return replace(granted, open_until=now + contract.probe_lease), Decision(Verdict.PROBE)
    return granted, Decision(Verdict.GO)


class Outcome(enum.StrEnum):
    SUCCESS = "success"  # the vendor answered with a verdict
    FAILURE = "failure"  # 5xx, time-out, connection error
    RATE_LIMITED = "rate_limited"  # 429
    QUOTA_SPENT = "quota_spent"  # the vendor says the quota is used up


def record(
    state: State,
    outcome: Outcome,
    now: datetime,
    contract: Contract,
    retry_after: timedelta | None = None,
) -> State:
    """The state after a call's outcome: the breaker's count, and the vendor's own word.

    Example:
        >>> c = Contract(timedelta(seconds=1), 10, 2, timedelta(seconds=30), timedelta(seconds=5))
        >>> t = datetime(2026, 3, 4, tzinfo=UTC)
        >>> s = record(State(t, 1, 1, None), Outcome.FAILURE, t, c)
        >>> s.failures, s.open_until == t + timedelta(seconds=30)
        (2, True)
        >>> record(s, Outcome.SUCCESS, t, c).open_until is None
        True
    """
    if outcome is Outcome.SUCCESS:
        return replace(state, failures=0, open_until=None)
    if outcome is Outcome.FAILURE:
        failures = state.failures + 1
        opened = now + contract.open_for if failures >= contract.breaker_failures else None
        return replace(state, failures=failures, open_until=opened)
    if outcome is Outcome.RATE_LIMITED:  # everyone slows down: the vendor said when
        wait = retry_after if retry_after is not None else contract.interval
        return replace(state, next_at=max(state.next_at, now + wait))
    return replace(state, used=max(state.used, contract.quota))


@dataclass(frozen=True)
class Snapshot:
    """The budget as operators and the wait estimate see it."""

    state: State
    contract: Contract

    @property
    def remaining(self) -> int:
        return max(0, self.contract.quota - self.state.used)

    def open_for(self, now: datetime) -> timedelta:
        if self.state.open_until is None or self.state.open_until <= now:
            return timedelta(0)
        return self.state.open_until - now


class Budget:
    """The shared row, read and written in short transactions of their own."""

    def __init__(self, db: Database, contract: Contract, clock: Clock) -> None:
        self.db = db
        self.contract = contract
        self.clock = clock

    def _ensure_row(self, session: Session) -> None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(VendorBudget)
            .values(name=NAME, next_at=EPOCH, used=0, failures=0, open_until=None, version=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )

    def _change(
        self, change: Callable[[State, datetime], tuple[State | None, T]]
    ) -> tuple[State, T]:
        """Read, apply ``change(state, now) -> (new state | None, result)``, compare-and-set."""
        for _ in range(CAS_TRIES):
            with self.db.session() as session:
                row = session.scalar(select(VendorBudget).where(VendorBudget.name == NAME))
                if row is None:
                    self._ensure_row(session)
                    continue
                state = State(row.next_at, row.used, row.failures, row.open_until)
                new, result = change(state, self.clock.now())
                if new is None:
                    return state, result
                done = session.execute(
                    update(VendorBudget)
                    .where(VendorBudget.name == NAME, VendorBudget.version == row.version)
                    .values(
                        next_at=new.next_at,
                        used=new.used,
                        failures=new.failures,
                        open_until=new.open_until,
                        version=row.version + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount == 1:  # type: ignore[attr-defined]
                    return new, result
        raise RuntimeError("the vendor budget kept changing under this worker")

    def take(self) -> Decision:
        """Ask for one scan now; a grant is counted against the rate and the quota."""
        _, decision = self._change(lambda s, now: decide(s, now, self.contract))
        return decision

    def report(self, outcome: Outcome, retry_after: timedelta | None = None) -> State:
        """Record how a granted call ended (the breaker, a 429's wait, the vendor's quota)."""

        def change(s: State, now: datetime) -> tuple[State | None, None]:
            return record(s, outcome, now, self.contract, retry_after), None

        state, _ = self._change(change)
        return state

    def snapshot(self, session: Session | None = None) -> Snapshot:
        """The budget now; read in ``session`` when given (a request's own unit of work,
        so that it takes no second connection), else in a short read of its own."""
        if session is not None:
            return self._read(session)
        with self.db.read_only() as own:
            return self._read(own)

    def _read(self, session: Session) -> Snapshot:
        row = session.scalar(select(VendorBudget).where(VendorBudget.name == NAME))
        if row is None:
            return Snapshot(State(EPOCH, 0, 0, None), self.contract)
        return Snapshot(State(row.next_at, row.used, row.failures, row.open_until), self.contract)


def new_claim() -> str:
    return secrets.token_hex(8)
