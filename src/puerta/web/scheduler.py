"""In-process jobs: mail and SMS, commitments, the daily draw, expiry, deadline reminders,
the sweep of limit rows and spent proofs of work, no-shows after each port's closing
time, pre-arrival vetting, face comparisons and the live photos' retention.

Mail the SMTP backend and SMS the gateway backend wrote during requests and jobs are
sent here, after their commit.

Before each request window opens, the seed commitment of its pool date is
published; once a window has closed, its pool is published and drawn.

Every worker process of every server runs this loop, but only the holder of
the leader lock (:mod:`puerta.web.leader`) runs a pass: the others stand by
and try to take the lock at each interval. Each job is one transaction, and
the draw's unique pool date backs the lock up: a second process that drew
the same day anyway would get a conflict and move on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.orm import Session

from puerta.accounts import mail, throttle
from puerta.arrivals import checkin as arrivals_checkin
from puerta.confirmation import service as confirmation_service
from puerta.db import Database
from puerta.draw import publication
from puerta.draw import service as draw_service
from puerta.errors import DrawAlreadyRun, PuertaError
from puerta.faces import jobs as face_jobs
from puerta.faces import service as faces_service
from puerta.limits import store as limits_store
from puerta.notify import channels
from puerta.pow import service as pow_service
from puerta.vetting import jobs as vetting_jobs
from puerta.vetting import service as vetting_service
from puerta.web import leader as leaders
from puerta.web import metrics

log = logging.getLogger("puerta.scheduler")


@contextmanager
def _job(db: Database) -> Iterator[Session]:
    """One job's transaction. On PostgreSQL it first takes a transaction advisory lock,
    so that even two passes that overlap (a leader that lost its lock mid-pass and the
    next one) run their jobs one after the other, each seeing the other's commits; on
    SQLite ``BEGIN IMMEDIATE`` already serialises writers."""
    with db.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": leaders.JOBS_KEY})
        yield session


def sweep_limits(session: Session, now: datetime) -> int:
    """Delete the limit counters and sign-in throttle rows nothing reads any more (also
    ``puerta limits sweep``); how many went."""
    return limits_store.sweep(session, now) + throttle.sweep(session, now)


def run_once(app: FastAPI) -> list[str]:
    """Send pending mail and SMS, expire overdue offers, remind offers whose deadline is
    near, sweep stale limit rows, mark the day's no-shows at ports that have closed, run
    every draw that is due, delete the live photos past their retention, vet a batch of
    booked travelers, then a batch of face comparisons. Returns what was done."""
    db, settings, clock = app.state.db, app.state.settings, app.state.clock
    done: list[str] = []
    sent, failed = mail.deliver_pending(db, settings=settings, clock=clock)
    if sent or failed:
        done.append(f"mail: {sent} sent, {failed} to retry")
    sent, failed = channels.deliver_pending_sms(db, settings=settings, clock=clock)
    if sent or failed:
        done.append(f"sms: {sent} sent, {failed} to retry")
    with _job(db) as session:
        expired = confirmation_service.expire_overdue(session, settings=settings, clock=clock)
        if expired:
            done.append(f"expired {expired} offers")
    with _job(db) as session:
        swept = sweep_limits(session, clock.now())
        if swept:
            done.append(f"swept {swept} stale limit rows")
        swept = pow_service.sweep(session, clock=clock)
        if swept:
            done.append(f"forgot {swept} expired proofs of work")
        reminded = confirmation_service.remind_deadlines(session, settings=settings, clock=clock)
        if reminded:
            done.append(f"reminded {reminded} offers of their deadline")
    with _job(db) as session:
        committed = publication.commit_upcoming(session, settings=settings, clock=clock)
        done.extend(f"published the seed commitment for {d}" for d in committed)
    with _job(db) as session:
        marked = arrivals_checkin.mark_no_shows(session, now=clock.now())
        if marked:
            done.append(f"marked {marked} groups no-show after their port's closing time")
    with db.session() as session:
        due = draw_service.due_pool_dates(session, settings=settings, clock=clock)
    for pool_date in due:
        try:
            with metrics.timed_draw(), _job(db) as session:
                draw = draw_service.run_draw(
                    session, pool_date=pool_date, settings=settings, clock=clock
                )
                done.append(f"drew {pool_date}: {draw.seats_offered} seats")
                done.extend(f"draw {pool_date} warning: {w}" for w in draw.warnings or [])
        except DrawAlreadyRun:  # another process drew it first: nothing to do
            log.info("draw %s already run", pool_date)
    with _job(db) as session:
        forgot = faces_service.forget_live_photos(
            session,
            store=app.state.photos,
            retention_days=settings.live_photo_retention_days,
            clock=clock,
        )
        if forgot:
            done.append(f"deleted {forgot} live photos past their retention")
    done.extend(_vetting(app))
    done.extend(_faces(app))
    return done


def _vetting(app: FastAPI) -> list[str]:
    """Vet up to ``vetting_batch_size`` upcoming appointments that are due: booked since
    the last pass, changed since their last check, or checked against an older version
    of the watch list (``puerta.vetting.service.due``). An unusable list vets nothing
    (the error is logged once per version of the file)."""
    settings, clock = app.state.settings, app.state.clock
    if settings.watch_list_path is None or settings.vetting_batch_size == 0:
        return []
    try:
        watch_list = vetting_jobs.CACHE.current(settings.watch_list_path)
    except PuertaError:
        return []
    try:
        first_use = vetting_jobs.CACHE.needs_audit(watch_list)
        with app.state.db.read_only() as session:
            batch = vetting_service.select_batch(
                session,
                source=watch_list,
                clock=clock,
                timezone=settings.timezone,
                limit=settings.vetting_batch_size,
            )
        # Matching holds no connection (and, on SQLite, no write lock): it can take seconds.
        verdicts = vetting_service.check(batch, watch_list)
        with _job(app.state.db) as session:
            if first_use:
                vetting_service.audit_load(session, watch_list, clock=clock, trigger="scheduler")
            counts = vetting_service.store(
                session, batch, verdicts, source=watch_list, clock=clock, trigger="scheduler"
            )
        if first_use:
            vetting_jobs.CACHE.audited(watch_list)
    except Exception:
        log.exception("the vetting job failed; it runs again next pass")
        return []
    if not counts.appointments:
        return []
    found = counts.results
    return [
        f"vetting: {counts.appointments} appointments, {counts.travelers} travelers "
        f"({found['possible_match']} possible matches, {found['match']} matches)"
    ]


def _faces(app: FastAPI) -> list[str]:
    """A batch of the face model's work, after everything else (it is the slowest and
    the least urgent: an officer sees a comparison by the arrival day)."""
    settings = app.state.settings
    try:
        counts = face_jobs.process_pending(
            app.state.db,
            matcher=app.state.faces,
            photos=app.state.photos,
            threshold=settings.face_match_threshold,
            clock=app.state.clock,
            limit=settings.face_batch_size,
        )
    except Exception:
        log.exception("the face comparison job failed; it runs again next pass")
        return []
    if not counts:
        return []
    return [f"faces: {counts.photos} photos encoded, {counts.live} live photos compared"]


def lead_once(app: FastAPI, leadership: leaders.Leadership, was: bool | None = None) -> bool:
    """One pass if this process leads (taking the lock if it is free); whether it leads.

    ``was`` is the previous answer (None before the first): a change is logged.
    """
    try:
        leading = leadership.hold()
    except Exception:
        log.warning("could not reach the store for the leader lock", exc_info=True)
        return False
    if leading != was:
        if leading:
            log.info("scheduler leader (pid %s): this process runs the jobs", os.getpid())
        else:
            log.info("scheduler standing by: another process holds the leader lock")
    if leading:
        for line in run_once(app):
            log.info(line)
    return leading


async def run_forever(app: FastAPI, leadership: leaders.Leadership | None = None) -> None:
    """Pass after pass, every ``scheduler_interval_seconds``, until cancelled.

    A pass runs in a thread. Cancelled (the server shutting down) while a pass runs,
    the loop lets the pass finish, so its transaction ends on its own terms, then
    releases the leader lock: another process may take it at once.
    """
    interval = app.state.settings.scheduler_interval_seconds
    leadership = leadership or leaders.for_url(app.state.db.url)
    leading: bool | None = None
    try:
        while True:
            one = asyncio.ensure_future(asyncio.to_thread(lead_once, app, leadership, leading))
            try:
                leading = await asyncio.shield(one)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await one
                raise
            except Exception:
                leading = leadership.held
                log.exception("scheduler pass failed; retrying in %s s", interval)
            await asyncio.sleep(interval)
    finally:
        if leadership.held:
            log.info("scheduler stopped: leader lock released")
        leadership.dispose()
