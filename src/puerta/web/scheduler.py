"""In-process jobs for a single-machine deployment: mail, commitments, the daily draw, expiry.

Mail the SMTP backend wrote during requests is sent here, after their commit.

Before each request window opens, the seed commitment of its pool date is
published; once a window has closed, its pool is published and drawn.
Each pass is one transaction; the draw's unique pool date makes a second
process running the same job harmless (it gets a conflict and moves on).
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from puerta.accounts import mail
from puerta.confirmation import service as confirmation_service
from puerta.draw import publication
from puerta.draw import service as draw_service
from puerta.errors import DrawAlreadyRun
from puerta.web import metrics

log = logging.getLogger("puerta.scheduler")
INTERVAL_SECONDS = 60


def run_once(app: FastAPI) -> list[str]:
    """Send pending mail, expire overdue offers and run every draw that is due.
    Returns what was done."""
    db, settings, clock = app.state.db, app.state.settings, app.state.clock
    done: list[str] = []
    sent, failed = mail.deliver_pending(db, settings=settings, clock=clock)
    if sent or failed:
        done.append(f"mail: {sent} sent, {failed} to retry")
    with db.session() as session:
        expired = confirmation_service.expire_overdue(session, clock=clock)
        if expired:
            done.append(f"expired {expired} offers")
    with db.session() as session:
        committed = publication.commit_upcoming(session, settings=settings, clock=clock)
        done.extend(f"published the seed commitment for {d}" for d in committed)
    with db.session() as session:
        due = draw_service.due_pool_dates(session, settings=settings, clock=clock)
    for pool_date in due:
        try:
            with metrics.timed_draw(), db.session() as session:
                draw = draw_service.run_draw(
                    session, pool_date=pool_date, settings=settings, clock=clock
                )
                done.append(f"drew {pool_date}: {draw.seats_offered} seats")
                done.extend(f"draw {pool_date} warning: {w}" for w in draw.warnings or [])
        except DrawAlreadyRun:  # another process drew it first: nothing to do
            log.info("draw %s already run", pool_date)
    return done


async def run_forever(app: FastAPI) -> None:
    while True:
        try:
            for line in await asyncio.to_thread(run_once, app):
                log.info(line)
        except Exception:
            log.exception("scheduler pass failed; retrying in %s s", INTERVAL_SECONDS)
        await asyncio.sleep(INTERVAL_SECONDS)
