"""The liveness queue: a live photo waits its turn instead of failing when the vendor is full.

When the vendor cannot take a scan now (the contract's rate is used, the breaker is
open, the quota is spent) the confirmation keeps the photo here, in the database,
with the person's place. Their seats stay held (an offer with a scan in the queue is
never expired), the deadline moves out by the honest estimate of the wait, and when
the scan is resolved by any more than that, by the rest: nobody loses time to the
queue. A worker (:func:`drain`; ``puerta liveness drain``, or the server's worker
thread) sends the scans in order at the contract's rate, holding no database
connection while the vendor works, and books the seats or records the refusal.

The wait estimate is what the contract allows and nothing more optimistic: the
next free slot, one interval for each scan ahead, and the breaker's remaining open
time. Past the quota there is no honest estimate: the person is told so.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import service
from puerta.confirmation.budget import EPOCH, Budget, Contract, Snapshot, State, new_claim
from puerta.confirmation.liveness import NOT_LIVE, LivenessProvider, LivenessResult, Saturated
from puerta.confirmation.models import SCAN_ACTIVE, Appointment, LivenessCheck, LivenessScan
from puerta.db import Database
from puerta.draw.models import Selection
from puerta.errors import (
    LIVENESS_REASONS,
    LivenessAttemptsExhausted,
    LivenessFailed,
    LivenessUnavailable,
    NoOfferWaiting,
    OfferExpired,
    PuertaError,
    SeatsJustTaken,
)
from puerta.lifecycle import SelectionStatus

log = logging.getLogger("puerta.liveness")

WAITING, SENDING, DONE, REFUSED, CANCELLED = "waiting", "sending", "done", "refused", "cancelled"
ACTIVE = SCAN_ACTIVE
BOOKED = "booked"
MAX_WORKER_ERRORS = 3  # a scan that breaks the worker this often is refused, not retried


@dataclass(frozen=True)
class Pending:
    """What the person waiting is told: their place, the wait, the moved deadline."""

    scan_id: int
    state: str  # waiting | sending
    place: int  # 1: next to be sent
    wait: timedelta | None  # None: the quota is spent, no honest estimate
    deadline: datetime
    quota_exhausted: bool


def wait_for(place: int, snapshot: Snapshot, now: datetime) -> timedelta | None:
    """The wait of the scan at ``place``: the next slot, an interval per scan ahead, and
    the breaker's open time; None when the quota cannot cover it.

    Example:
        >>> from datetime import UTC
        >>> from puerta.confirmation.budget import EPOCH, Contract, State
        >>> c = Contract(timedelta(seconds=1), 100, 5, timedelta(seconds=30), timedelta(seconds=5))
        >>> now = datetime(2026, 3, 4, tzinfo=UTC)
        >>> wait_for(10, Snapshot(State(now + timedelta(seconds=0.5), 1, 0, None), c), now)
        datetime.timedelta(seconds=9, microseconds=500000)
        >>> wait_for(1, Snapshot(State(EPOCH, 100, 0, None), c), now) is None
        True
    """
    if snapshot.remaining < place:
        return None
    next_slot = max(timedelta(0), snapshot.state.next_at - now)
    return next_slot + (place - 1) * snapshot.contract.interval + snapshot.open_for(now)


def active_scan(session: Session, selection_id: int) -> LivenessScan | None:
    return session.scalar(
        select(LivenessScan).where(
            LivenessScan.selection_id == selection_id, LivenessScan.status.in_(ACTIVE)
        )
    )


def latest_scan(session: Session, registration_id: str) -> LivenessScan | None:
    return session.scalar(
        select(LivenessScan)
        .where(LivenessScan.registration_id == registration_id)
        .order_by(LivenessScan.id.desc())
        .limit(1)
    )


def waiting_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(LivenessScan).where(LivenessScan.status.in_(ACTIVE))
        )
        or 0
    )


def place_of(session: Session, scan: LivenessScan) -> int:
    ahead = session.scalar(
        select(func.count())
        .select_from(LivenessScan)
        .where(LivenessScan.status.in_(ACTIVE), LivenessScan.id < scan.id)
    )
    return (ahead or 0) + 1


def _waited(scan: LivenessScan, now: datetime) -> float:
    return max(0.0, (now - scan.enqueued_at).total_seconds())


def credit_wait(selection: Selection, scan: LivenessScan, now: datetime) -> None:
    """Move the deadline out by the part of the wait not yet given back."""
    owed = _waited(scan, now) - scan.extended_by_seconds
    if owed > 0:
        selection.deadline = selection.deadline + timedelta(seconds=owed)
        scan.extended_by_seconds += owed


def pending_of(
    session: Session, scan: LivenessScan, selection: Selection, snapshot: Snapshot, now: datetime
) -> Pending:
    """Read only: the deadline shown includes the wait not yet credited."""
    place = place_of(session, scan)
    owed = max(0.0, _waited(scan, now) - scan.extended_by_seconds)
    return Pending(
        scan_id=scan.id,
        state=scan.status,
        place=place,
        wait=wait_for(place, snapshot, now),
        deadline=selection.deadline + timedelta(seconds=owed),
        quota_exhausted=snapshot.remaining == 0,
    )


def enqueue(
    session: Session,
    *,
    selection: Selection,
    live_photo: bytes,
    latitude: float,
    longitude: float,
    snapshot: Snapshot,
    clock: Clock,
) -> Pending:
    """Queue the scan behind the others and move the deadline out by the wait estimate.

    The caller has run the checks before a liveness check (``known_images``) in this
    transaction; one scan per offer waits at a time (the caller returns the one that
    is already waiting).
    """
    now = clock.now()
    scan = LivenessScan(
        selection_id=selection.id,
        registration_id=selection.registration_id,
        status=WAITING,
        image=live_photo,
        image_sha256=hashlib.sha256(live_photo).hexdigest(),
        latitude=latitude,
        longitude=longitude,
        enqueued_at=now,
        extended_by_seconds=0.0,
        attempts=0,
    )
    session.add(scan)
    session.flush()
    place = place_of(session, scan)
    wait = wait_for(place, snapshot, now)
    if wait is not None:
        scan.extended_by_seconds = wait.total_seconds()
        selection.deadline = selection.deadline + wait
    session.flush()
    return Pending(scan.id, WAITING, place, wait, selection.deadline, snapshot.remaining == 0)


def refusal_of(session: Session, scan: LivenessScan) -> PuertaError:
    """The domain error a refused scan stands for, as the confirmation would have raised it."""
    selection = session.get(Selection, scan.selection_id)
    code = scan.outcome
    if code == LivenessFailed.message.code:
        reason = session.scalar(
            select(LivenessCheck.reason)
            .where(
                LivenessCheck.selection_id == scan.selection_id,
                LivenessCheck.image_sha256 == scan.image_sha256,
            )
            .order_by(LivenessCheck.id.desc())
            .limit(1)
        )
        return LivenessFailed(reason=LIVENESS_REASONS.get(reason or "", NOT_LIVE))
    if code == SeatsJustTaken.message.code and selection is not None:
        return SeatsJustTaken(port_code=selection.port_code, day=selection.appointment_date)
    if code == LivenessAttemptsExhausted.message.code:
        return LivenessAttemptsExhausted(attempts=service.MAX_LIVENESS_ATTEMPTS)
    if code == OfferExpired.message.code:
        return OfferExpired()
    if selection is None or selection.status != SelectionStatus.OFFERED.value:
        return NoOfferWaiting()
    return LivenessUnavailable()


def appointment_of(session: Session, scan: LivenessScan) -> Appointment | None:
    return session.scalar(select(Appointment).where(Appointment.selection_id == scan.selection_id))


# --- the worker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    scan_id: int
    claim: str
    image: bytes
    known: service.KnownImages


@dataclass
class DrainReport:
    booked: int = 0
    refused: int = 0
    paused: Saturated | None = None

    @property
    def resolved(self) -> int:
        return self.booked + self.refused


def _head(session: Session, now: datetime, lease: timedelta) -> LivenessScan | None:
    """The oldest scan waiting, or sent by a worker that has not answered within the lease."""
    stale = (LivenessScan.status == SENDING) & (LivenessScan.claimed_at < now - lease)
    return session.scalar(
        select(LivenessScan)
        .where((LivenessScan.status == WAITING) | stale)
        .order_by(LivenessScan.id)
        .limit(1)
    )


def _finish(session: Session, scan_id: int, status: str, outcome: str, now: datetime) -> None:
    session.execute(
        update(LivenessScan)
        .where(LivenessScan.id == scan_id)
        .values(status=status, outcome=outcome, image=None, claim=None, resolved_at=now)
        .execution_options(synchronize_session=False)
    )


def claim_next(
    db: Database, *, settings: Settings, clock: Clock, lease: timedelta
) -> Claimed | None:
    """Take the head of the queue for this worker (compare-and-set on its status and claim),
    credit the wait so far and run the checks before a liveness check on fresh rows.

    A scan whose offer can no longer be confirmed (declined meanwhile, attempts used
    up) is refused here, spending no scan of the contract.
    """
    while True:
        with db.unit_of_work() as uow:
            session, now = uow.session, clock.now()
            scan = _head(session, now, lease)
            if scan is None:
                return None
            claim = new_claim()
            taken = session.execute(
                update(LivenessScan)
                .where(
                    LivenessScan.id == scan.id,
                    LivenessScan.status == scan.status,
                    (LivenessScan.claim == scan.claim)
                    if scan.claim is not None
                    else LivenessScan.claim.is_(None),
                )
                .values(status=SENDING, claim=claim, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another worker took it first
            session.refresh(scan)
            selection = session.get(Selection, scan.selection_id)
            assert selection is not None
            assert scan.image is not None
            try:
                credit_wait(selection, scan, now)
                known = service.known_images(
                    session,
                    selection=selection,
                    live_photo=scan.image,
                    latitude=scan.latitude,
                    longitude=scan.longitude,
                    settings=settings,
                    clock=clock,
                )
            except PuertaError as exc:
                if not exc.keeps_changes:
                    uow.rollback()
                _finish(session, scan.id, REFUSED, exc.code, now)
                uow.commit()
                continue
            image = scan.image
            uow.commit()
            return Claimed(scan.id, claim, image, known)


def _release(db: Database, claimed: Claimed, *, error: bool, clock: Clock) -> None:
    """Back to the queue, at its place (the vendor was saturated, or the worker broke)."""
    with db.session() as session:
        scan = session.get(LivenessScan, claimed.scan_id)
        if scan is None or scan.claim != claimed.claim:
            return
        scan.status, scan.claim, scan.claimed_at = WAITING, None, None
        if error:
            scan.attempts += 1
            if scan.attempts >= MAX_WORKER_ERRORS:
                _finish(session, scan.id, REFUSED, LivenessUnavailable.message.code, clock.now())


def resolve(
    db: Database,
    claimed: Claimed,
    result: LivenessResult,
    *,
    settings: Settings,
    clock: Clock,
) -> str | None:
    """Record the verdict and book the seats, in one transaction with the scan's end.

    Returns ``booked``, the refusal's code, or None when this worker's claim was lost
    (another worker took the scan over): then nothing is written.
    """
    with db.unit_of_work() as uow:
        session, now = uow.session, clock.now()
        mine = session.execute(
            update(LivenessScan)
            .where(
                LivenessScan.id == claimed.scan_id,
                LivenessScan.claim == claimed.claim,
                LivenessScan.status == SENDING,
            )
            .values(status=DONE, outcome=BOOKED, image=None, claim=None, resolved_at=now)
            .execution_options(synchronize_session=False)
        )
        if mine.rowcount != 1:  # type: ignore[attr-defined]
            return None
        scan = session.get(LivenessScan, claimed.scan_id)
        assert scan is not None
        session.refresh(scan)
        selection = session.get(Selection, scan.selection_id)
        assert selection is not None
        try:
            credit_wait(selection, scan, now)
            service.book_checked(
                session,
                selection=selection,
                result=result,
                latitude=scan.latitude,
                longitude=scan.longitude,
                settings=settings,
                clock=clock,
                live_photo=claimed.image,  # as for a photo checked at once: the face check
            )
        except PuertaError as exc:
            if not exc.keeps_changes:  # nothing of the booking is kept, the claim still stands
                uow.rollback()
            _finish(session, claimed.scan_id, REFUSED, exc.code, now)
            uow.commit()
            return exc.code
        uow.commit()
        return BOOKED


def drain(
    db: Database,
    *,
    provider: LivenessProvider,
    settings: Settings,
    clock: Clock,
    max_scans: int | None = None,
) -> DrainReport:
    """Send queued scans in order until the queue is empty, the vendor is saturated
    (``paused``: the caller waits until ``paused.until``) or ``max_scans`` are resolved."""
    lease = timedelta(
        seconds=(settings.vendor_timeout_seconds + settings.vendor_backoff_max_seconds)
        * settings.vendor_max_attempts
        + 60
    )
    report = DrainReport()
    while max_scans is None or report.resolved < max_scans:
        claimed = claim_next(db, settings=settings, clock=clock, lease=lease)
        if claimed is None:
            break
        try:
            result = provider.check(claimed.image, seen_before=claimed.known.seen_before)
        except Saturated as saturated:
            _release(db, claimed, error=False, clock=clock)
            report.paused = saturated
            break
        except Exception:
            log.exception("liveness worker: a scan could not be sent")
            _release(db, claimed, error=True, clock=clock)
            break
        outcome = resolve(db, claimed, result, settings=settings, clock=clock)
        if outcome == BOOKED:
            report.booked += 1
        elif outcome is not None:
            report.refused += 1
    return report


def snapshot_for(provider: LivenessProvider, session: Session, settings: Settings) -> Snapshot:
    """The vendor's budget read in ``session``; a provider without a contract has no wait."""
    budget = getattr(provider, "budget", None)
    if isinstance(budget, Budget):
        return budget.snapshot(session)
    return Snapshot(State(EPOCH, 0, 0, None), Contract.of(settings))
