"""The start page and the language chooser: what Puerta is, before anything else."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from puerta.draw import service as draw_service
from puerta.i18n.translate import available_locales
from puerta.ports import service as ports_service
from puerta.requests.service import window_from
from puerta.web.deps import ClockDep, Public, ReadSession, SettingsDep
from puerta.web.language import LANGUAGE_COOKIE
from puerta.web.pages import page

router = APIRouter(include_in_schema=False, dependencies=[Public])

#: A year: the choice outlives a session, as a language should.
CHOICE_SECONDS = 365 * 24 * 3600


@router.get("/", response_class=HTMLResponse)
def start(
    request: Request, session: ReadSession, settings: SettingsDep, clock: ClockDep
) -> HTMLResponse:
    window = window_from(settings)
    now = clock.now()
    pool_date = window.pool_date(now)
    ports = [
        {"name": p.name, "city": p.city, "state": p.state, "seats": p.daily_capacity}
        for p in ports_service.list_ports(session)
    ]
    return page(
        request,
        "start/index.html",
        {
            "ports": ports,
            "pool_date": pool_date,
            "closes_at": window.closes_at(pool_date) if pool_date else None,
            "next_opening": None if pool_date else window.next_opening(now),
            "last_draw": draw_service.last_draw_date(session),
        },
    )


@router.get("/language")
def choose_language(lang: str = "", next: str = "/") -> RedirectResponse:
    """Keep the reader's explicit choice (a cookie: it comes first), then go back.

    A plain GET form, so it works with JavaScript off; ``next`` must be a path
    on this site, never another host.
    """
    target = urlsplit(next)
    back = next if not target.scheme and not target.netloc and next.startswith("/") else "/"
    if back.startswith("//"):
        back = "/"
    response = RedirectResponse(back, status_code=303)
    if lang in available_locales():
        response.set_cookie(
            LANGUAGE_COOKIE, lang, max_age=CHOICE_SECONDS, samesite="lax", httponly=True
        )
    return response
