"""The applicant's registrations as pages: the list, and where each one stands.

The status page is the status API's use case (``journey.status.status_of``)
rendered for a person: every stage has its wording in the catalog, dates and
times are in the reader's language, the appointment's time in its port's own
time zone. Asking is the API's use case too (``journey.requesting``), with the
location read by the browser once, when the person asks (``static/ask.js``).
A signed-out browser is sent to sign in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.errors import PuertaError
from puerta.i18n import M
from puerta.journey import requesting
from puerta.journey.status import Stage, status_of
from puerta.ports import service as ports_service
from puerta.ports.models import Port
from puerta.registration import service as registration_service
from puerta.requests.schemas import RequestIn
from puerta.web import forms
from puerta.web.deps import (
    APPLICANTS,
    ClockDep,
    DbSession,
    Public,
    ReadSession,
    SettingsDep,
    admit,
    authenticate,
    client_ip,
    credential_of,
)
from puerta.web.language import say
from puerta.web.pages import page

router = APIRouter(include_in_schema=False, dependencies=[Public])
NO_LOCATION = M(
    "page.ask.no_location",
    "Puerta could not read where you are. Turn on your phone's location, allow it for this "
    "page, and ask again.",
)


def _applicant(request: Request, db: Session, clock: Clock) -> User | None:
    try:
        return admit(authenticate(db, credential_of(request), "GET", clock).user, APPLICANTS)
    except PuertaError:
        return None


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/registrations", response_class=HTMLResponse)
def registrations(request: Request, db: ReadSession, clock: ClockDep) -> Response:
    user = _applicant(request, db, clock)
    if user is None:
        return _to_sign_in()
    rows = []
    for registration in registration_service.list_owned(db, owner=user):
        current = status_of(db, registration, clock)
        rows.append(
            {
                "id": registration.id,
                "travelers": [f"{t.given_names} {t.family_names}" for t in registration.travelers],
                "message": current.message,
            }
        )
    return page(request, "journey/registrations.html", {"registrations": rows})


@router.get("/registrations/{registration_id}", response_class=HTMLResponse)
def status_page(
    registration_id: str, request: Request, db: ReadSession, clock: ClockDep
) -> Response:
    user = _applicant(request, db, clock)
    if user is None:
        return _to_sign_in()
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    current = status_of(db, registration, clock)
    details = dict(current.details)
    port = db.get(Port, details["port_code"]) if "port_code" in details else None
    facts: dict[str, Any] = {}
    if "pool_date" in details:
        facts["pool_date"] = date.fromisoformat(details["pool_date"])
    if current.stage in (Stage.SELECTED, Stage.CONFIRMED):
        facts["day"] = date.fromisoformat(details["date"])
    if current.stage == Stage.SELECTED:
        facts["deadline"] = datetime.fromisoformat(details["deadline"])
        facts["can_extend"] = details.get("can_extend", False)
    if current.stage == Stage.CONFIRMED:
        facts["slot_start"] = details["slot_start"]
        facts["code"] = details["code"]
    return page(
        request,
        "journey/status.html",
        {
            "registration_id": registration.id,
            "stage": current.stage.value,
            "message": current.message,
            "port": None
            if port is None
            else {
                "name": port.name,
                "address": port.address,
                "city": port.city,
                "state": port.state,
                "zip": port.zip_code,
                "timezone": port.timezone,
            },
            "travelers": [f"{t.given_names} {t.family_names}" for t in registration.travelers],
            "can_ask": current.stage in CAN_ASK,
            **facts,
        },
    )


# --- asking for an appointment -------------------------------------------------------------

#: The stages from which a registration may ask (the use case has the last word).
CAN_ASK = frozenset(
    {Stage.NO_REQUEST, Stage.NOT_SELECTED, Stage.CANCELLED, Stage.EXPIRED, Stage.DECLINED}
)


def _ports(db: Session) -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "name": p.name,
            "city": p.city,
            "state": p.state,
            "seats": p.daily_capacity,
        }
        for p in ports_service.list_ports(db)
    ]


def _ask_form(
    request: Request,
    db: Session,
    registration_id: str,
    token: str,
    errors: forms.Errors | None = None,
    chosen: str = "",
) -> HTMLResponse:
    return page(
        request,
        "journey/ask.html",
        {
            "registration_id": registration_id,
            "ports": _ports(db),
            "chosen": chosen,
            "errors": errors or forms.Errors(),
            "token": token,
        },
        status=400 if errors else 200,
    )


@router.get("/registrations/{registration_id}/ask", response_class=HTMLResponse)
def ask_page(registration_id: str, request: Request, db: ReadSession, clock: ClockDep) -> Response:
    try:
        auth = authenticate(db, credential_of(request), "GET", clock)
        user = admit(auth.user, APPLICANTS)
    except PuertaError:
        return _to_sign_in()
    registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return _ask_form(request, db, registration_id, auth.session.csrf_token)


@router.post("/registrations/{registration_id}/ask", response_class=HTMLResponse)
def ask(
    registration_id: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    port_code: Annotated[str, Form()] = "",
    latitude: Annotated[str, Form()] = "",
    longitude: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Join today's pool through the same use case as the API; errors come back on the page."""
    try:
        auth = authenticate(db, credential_of(request), "GET", clock)
        user = admit(auth.user, APPLICANTS)
    except PuertaError:
        return _to_sign_in()
    token = auth.session.csrf_token
    if not forms.token_ok(request, csrf_token, token):
        return _ask_form(request, db, registration_id, token, forms.expired(request), port_code)
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    if not latitude or not longitude:
        errors = forms.Errors(fields={"location": say(request, NO_LOCATION)})
        return _ask_form(request, db, registration_id, token, errors, port_code)
    data = {"port_code": port_code, "latitude": latitude, "longitude": longitude}
    body, errors = forms.parse(request, RequestIn, data)
    if body is None:
        return _ask_form(request, db, registration_id, token, errors, port_code)
    try:
        requesting.request_appointment(
            db,
            registration=registration,
            data=body,
            settings=settings,
            clock=clock,
            ip=client_ip(request),
        )
    except PuertaError as exc:
        refusal = forms.domain_errors(request, exc)
        return _ask_form(request, db, registration_id, token, refusal, port_code)
    return RedirectResponse(f"/registrations/{registration_id}", status_code=303)
