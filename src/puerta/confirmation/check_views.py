""" "Is this appointment real?", for anyone: the JSON endpoint and its page.

Both count the check per client address (``limits.caps``, ``limit.appointment_checks``)
before looking anything up, and answer only what ``authenticity.check`` gives: valid
with the port and the day, or not valid. The page is linked from every page's footer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from puerta.confirmation import authenticity
from puerta.confirmation.schemas import AppointmentCheckIn, AppointmentCheckOut, CheckedPort
from puerta.errors import AppointmentChecksCapped, PuertaError
from puerta.limits import caps
from puerta.limits.deps import LimitsDep
from puerta.web import forms
from puerta.web.deps import ClockDep, DbSession, Public, SettingsDep, client_ip
from puerta.web.openapi import raises
from puerta.web.pages import page

router = APIRouter(prefix="/api/v1/appointments", tags=["appointments"])
pages = APIRouter(include_in_schema=False, dependencies=[Public])
TEMPLATE = "appointments/check.html"


def answer_out(answer: authenticity.Answer) -> AppointmentCheckOut:
    if not answer.valid:
        return AppointmentCheckOut(valid=False)
    assert answer.port_code is not None
    assert answer.port_name is not None
    return AppointmentCheckOut(
        valid=True, port=CheckedPort(code=answer.port_code, name=answer.port_name), date=answer.day
    )


@router.post("/check", dependencies=[Public])
@raises(AppointmentChecksCapped)
def check(
    body: AppointmentCheckIn,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    limits: LimitsDep,
) -> AppointmentCheckOut:
    """Is this appointment real? The confirmation code and a traveler's family name give
    `valid` with the port and the day, or `valid: false` and nothing else, whichever part
    was wrong (also for a cancelled appointment or one whose day has passed)."""
    now = clock.now()
    caps.enforce(
        limits, db, caps.APPOINTMENT_CHECK, settings=settings, now=now, ip=client_ip(request)
    )
    return answer_out(authenticity.check(db, code=body.code, family_name=body.family_name, now=now))


def _page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: forms.Errors | None = None,
    answer: AppointmentCheckOut | None = None,
) -> HTMLResponse:
    token = forms.form_token(request)
    context: dict[str, Any] = {
        "values": values or {},
        "errors": errors or forms.Errors(),
        "token": token,
        "answer": answer,
    }
    shown = page(request, TEMPLATE, context, status=400 if errors else 200)
    shown.headers["Cache-Control"] = "no-store"
    return forms.keep_token(shown, token)


@pages.get("/appointments/check", response_class=HTMLResponse)
def check_page(request: Request) -> HTMLResponse:
    return _page(request)


@pages.post("/appointments/check", response_class=HTMLResponse)
def check_posted(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    limits: LimitsDep,
    code: Annotated[str, Form()] = "",
    family_name: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    typed = {"code": code, "family_name": family_name}
    if not forms.token_ok(request, csrf_token):
        return _page(request, typed, forms.expired(request))
    body, errors = forms.parse(request, AppointmentCheckIn, typed)
    if body is None:
        return _page(request, typed, errors)
    now = clock.now()
    try:
        caps.enforce(
            limits, db, caps.APPOINTMENT_CHECK, settings=settings, now=now, ip=client_ip(request)
        )
    except PuertaError as exc:
        return forms.limited(_page(request, typed, forms.domain_errors(request, exc)), exc)
    answer = authenticity.check(db, code=body.code, family_name=body.family_name, now=now)
    return _page(request, typed, answer=answer_out(answer))
