"""The day's draw as a public page: the figures per port, and the server redoing its draw.

The JSON artefacts (``/api/v1/draws/{day}/published``) are for anyone who wants
to redo the draw themselves (docs/data-formats.md); this page says in the
reader's language what was checked and whether it held.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from puerta.draw import publication, service
from puerta.draw.numbers import day_numbers
from puerta.i18n import M, Message
from puerta.web.deps import Public, ReadSession
from puerta.web.pages import page

router = APIRouter(include_in_schema=False, dependencies=[Public])

#: What each check of the verification means, for someone who is not a programmer.
CHECKS: dict[str, Message] = {
    "algorithm": M("page.draw.check.algorithm", "The draw used the method that was published."),
    "input": M("page.draw.check.input", "Everything that was published can be read."),
    "seed_commitment": M(
        "page.draw.check.seed_commitment",
        "The random number was locked in before the requests came in, and shown after.",
    ),
    "pool_root": M(
        "page.draw.check.pool_root",
        "The list of requests was published, and it was not changed afterwards.",
    ),
    "records": M("page.draw.check.records", "Every request on the list can be read."),
    "selection": M(
        "page.draw.check.selection",
        "Doing the draw again from what was published chooses the same requests.",
    ),
    "deferred": M(
        "page.draw.check.deferred",
        "Groups too big for the day's seats go first next time, as published.",
    ),
}


@router.get("/draws/{pool_date}", response_class=HTMLResponse)
def draw_page(pool_date: date, request: Request, db: ReadSession) -> HTMLResponse:
    draw = service.get_draw(db, pool_date)  # not found: the 404 page
    report = publication.verify_day(db, pool_date)
    return page(
        request,
        "draw/day.html",
        {
            "pool_date": pool_date,
            "appointment_date": draw.appointment_date,
            "numbers": day_numbers(db, pool_date),
            "ok": report.ok,
            "checks": [
                (CHECKS[name], passed) for name, passed in report.checks.items() if name in CHECKS
            ],
            "warnings": bool(report.warnings),
        },
    )
