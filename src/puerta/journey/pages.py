"""The applicant's registrations as pages: the list, and where each one stands.

The status page is the status API's use case (``journey.status.status_of``)
rendered for a person: every stage has its wording in the catalog, dates and
times are in the reader's language, the appointment's time in its port's own
time zone. Asking is the API's use case too (``journey.requesting``), with the
location read by the browser once, when the person asks (``static/location.js``).
A signed-out browser is sent to sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import queue as confirmation_queue
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.deps import LivenessDep
from puerta.confirmation.schemas import ScanOut
from puerta.confirmation.slots import SLOT_MINUTES
from puerta.confirmation.views import confirm_live, scan_state
from puerta.draw.numbers import day_numbers
from puerta.errors import NoScanWaiting, PuertaError
from puerta.i18n import M, Message
from puerta.journey import requesting
from puerta.journey.status import Stage, status_of
from puerta.journey.withdraw import withdraw as withdraw_registration
from puerta.ports import service as ports_service
from puerta.ports.models import Port
from puerta.registration import service as registration_service
from puerta.registration.models import Registration
from puerta.requests.models import AppointmentRequest
from puerta.requests.schemas import Position, RequestIn
from puerta.web import forms
from puerta.web.deps import (
    ClockDep,
    DbSession,
    Public,
    ReadSession,
    RequestWork,
    SettingsDep,
    client_ip,
)
from puerta.web.language import say
from puerta.web.page_auth import signed_in, to_sign_in
from puerta.web.pages import page
from puerta.web.uploads import read_upload

router = APIRouter(include_in_schema=False, dependencies=[Public])
NO_PHOTO = M(
    "page.confirm.no_photo",
    "Take a live photo of your face (or choose one you took just now), then send it.",
)
NO_LOCATION = M(
    "page.ask.no_location",
    "Puerta could not read where you are. Turn on your phone's location, allow it for this "
    "page, and ask again.",
)


def _signed_in(request: Request, db: Session, clock: Clock) -> tuple[User, str] | None:
    """The signed-in applicant and their session's form token, or None (then: sign in)."""
    reader = signed_in(request, db, clock)
    return None if reader is None else (reader.user, reader.token)


def _applicant(request: Request, db: Session, clock: Clock) -> User | None:
    reader = signed_in(request, db, clock)
    return None if reader is None else reader.user


@router.get("/registrations", response_class=HTMLResponse)
def registrations(request: Request, db: ReadSession, clock: ClockDep) -> Response:
    user = _applicant(request, db, clock)
    if user is None:
        return to_sign_in()
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
        return to_sign_in()
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    current = status_of(db, registration, clock)
    details = dict(current.details)
    port = db.get(Port, details["port_code"]) if "port_code" in details else None
    facts: dict[str, Any] = {}
    if "pool_date" in details:
        facts["pool_date"] = date.fromisoformat(details["pool_date"])
    if current.stage in (Stage.SELECTED, Stage.CONFIRMED):
        facts["day"] = date.fromisoformat(details["date"])
    if current.stage == Stage.NOT_SELECTED:
        facts["numbers"] = day_numbers(db, facts["pool_date"])
        facts["highlight"] = db.scalar(
            select(AppointmentRequest.port_code).where(
                AppointmentRequest.registration_id == registration.id,
                AppointmentRequest.pool_date == facts["pool_date"],
            )
        )
    if current.stage == Stage.SELECTED:
        facts["deadline"] = datetime.fromisoformat(details["deadline"])
        left = max(0, int((facts["deadline"] - clock.now()).total_seconds()) // 60)
        facts["hours_left"], facts["minutes_left"] = divmod(left, 60)
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
            "photos_missing": not registration_service.is_complete(registration),
            "can_confirm": current.stage == Stage.SELECTED,
            "can_withdraw": current.stage not in (Stage.WITHDRAWN, Stage.DEACTIVATED),
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
    found = _signed_in(request, db, clock)
    if found is None:
        return to_sign_in()
    user, token = found
    registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return _ask_form(request, db, registration_id, token)


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
    accuracy: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Join today's pool through the same use case as the API; errors come back on the page."""
    found = _signed_in(request, db, clock)
    if found is None:
        return to_sign_in()
    user, token = found
    if not forms.token_ok(request, csrf_token, token):
        return _ask_form(request, db, registration_id, token, forms.expired(request), port_code)
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    if not latitude or not longitude:
        errors = forms.Errors(fields={"location": say(request, NO_LOCATION)})
        return _ask_form(request, db, registration_id, token, errors, port_code)
    data = {"port_code": port_code, "latitude": latitude, "longitude": longitude}
    if accuracy:
        data["accuracy_m"] = accuracy
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


# --- confirming a selection, and the appointment to keep --------------------------------------


def _confirm_form(
    request: Request, registration_id: str, token: str, errors: forms.Errors | None = None
) -> HTMLResponse:
    return page(
        request,
        "journey/confirm.html",
        {"registration_id": registration_id, "token": token, "errors": errors or forms.Errors()},
        status=400 if errors else 200,
    )


@router.get("/registrations/{registration_id}/confirm", response_class=HTMLResponse)
def confirm_page(
    registration_id: str, request: Request, db: ReadSession, clock: ClockDep
) -> Response:
    found = _signed_in(request, db, clock)
    if found is None:
        return to_sign_in()
    user, token = found
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    scan = confirmation_queue.latest_scan(db, registration.id)
    if scan is not None and scan.status in confirmation_queue.ACTIVE:  # already in line
        return RedirectResponse(f"/registrations/{registration_id}/confirm/waiting", 303)
    return _confirm_form(request, registration_id, token)


@router.post("/registrations/{registration_id}/confirm", response_class=HTMLResponse)
def confirm(
    registration_id: str,
    request: Request,
    work: RequestWork,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    liveness: LivenessDep,
    live_photo: UploadFile | None = None,
    latitude: Annotated[str, Form()] = "",
    longitude: Annotated[str, Form()] = "",
    accuracy: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The API's confirmation, step by step: checks, the liveness call holding no
    connection, then the booking; a refusal is advice on the page, and a failed
    live photo is counted (it keeps its change), so it is committed here."""
    found = _signed_in(request, db, clock)
    if found is None:
        return to_sign_in()
    user, token = found
    if not forms.token_ok(request, csrf_token, token):
        return _confirm_form(request, registration_id, token, forms.expired(request))
    if live_photo is None or not live_photo.filename:
        errors = forms.Errors(fields={"live_photo": say(request, NO_PHOTO)})
        return _confirm_form(request, registration_id, token, errors)
    if not latitude or not longitude:
        errors = forms.Errors(fields={"location": say(request, NO_LOCATION)})
        return _confirm_form(request, registration_id, token, errors)
    typed = {"latitude": latitude, "longitude": longitude}
    if accuracy:
        typed["accuracy_m"] = accuracy
    where, errors = forms.parse(request, Position, typed)
    if where is None:
        return _confirm_form(request, registration_id, token, errors)
    point = {
        "latitude": where.latitude,
        "longitude": where.longitude,
        "accuracy_m": where.accuracy_m,
    }
    try:
        outcome = confirm_live(
            work,
            registration_id=registration_id,
            owner=user,
            live_photo=read_upload(live_photo, settings.photo_max_bytes, field="live_photo"),
            settings=settings,
            clock=clock,
            liveness=liveness,
            **point,
        )
    except PuertaError as exc:
        if exc.keeps_changes:
            work.commit()
        refusal = forms.domain_errors(request, exc, "live_photo")
        return _confirm_form(request, registration_id, token, refusal)
    if isinstance(outcome, confirmation_queue.Pending):  # the vendor is busy: wait in line
        return RedirectResponse(f"/registrations/{registration_id}/confirm/waiting", 303)
    return RedirectResponse(f"/registrations/{registration_id}", status_code=303)


@router.get("/registrations/{registration_id}/confirm/waiting", response_class=HTMLResponse)
def confirm_waiting(
    registration_id: str,
    request: Request,
    db: ReadSession,
    settings: SettingsDep,
    clock: ClockDep,
    liveness: LivenessDep,
) -> Response:
    """The live photo's place in the liveness queue, refreshing itself; once resolved, the
    appointment (the status page) or the refusal on the confirm form, as if just sent."""
    found = _signed_in(request, db, clock)
    if found is None:
        return to_sign_in()
    user, token = found
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    try:
        state = scan_state(db, registration, liveness=liveness, settings=settings, clock=clock)
    except NoScanWaiting:
        return RedirectResponse(f"/registrations/{registration_id}", status_code=303)
    except PuertaError as exc:
        refusal = forms.domain_errors(request, exc, "live_photo")
        return _confirm_form(request, registration_id, token, refusal)
    if not isinstance(state, confirmation_queue.Pending):
        return RedirectResponse(f"/registrations/{registration_id}", status_code=303)
    shown = ScanOut.of(state)
    minutes = 0 if shown.wait_seconds is None else -(-shown.wait_seconds // 60)
    if shown.wait_seconds is not None and shown.wait_seconds < 60:
        minutes = 0
    return page(
        request,
        "journey/waiting.html",
        {
            "registration_id": registration_id,
            "place": shown.place,
            "quota_exhausted": shown.wait_seconds is None,
            "wait_minutes": minutes,
            "wait_hours": minutes // 60,
            "wait_minutes_part": minutes % 60,
            "deadline": shown.deadline,
            "refresh_seconds": shown.refresh_seconds,
        },
    )


@router.get("/registrations/{registration_id}/appointment.ics")
def appointment_ics(
    registration_id: str, request: Request, db: ReadSession, clock: ClockDep
) -> Response:
    """The booked appointment as a calendar event, at the port's own time."""
    user = _applicant(request, db, clock)
    if user is None:
        return to_sign_in()
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    appointment = confirmation_service.booked_appointment(db, registration)
    port = db.get(Port, appointment.port_code)
    assert port is not None
    body = calendar_event(
        uid=f"{appointment.code}@puerta",
        day=appointment.day,
        start=appointment.slot_start,
        minutes=SLOT_MINUTES,
        timezone=port.timezone,
        summary=f"Puerta: {port.name} ({appointment.code})",
        location=f"{port.address}, {port.city}, {port.state} {port.zip_code}",
        stamp=clock.now(),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="puerta-{appointment.code}.ics"'},
    )


def calendar_event(
    *,
    uid: str,
    day: date,
    start: time,
    minutes: int,
    timezone: str,
    summary: str,
    location: str,
    stamp: datetime,
) -> str:
    """One RFC 5545 event in the port's time zone (``TZID``), lines ending CRLF.

    Example:
        >>> text = calendar_event(uid="X@puerta", day=date(2026, 3, 18), start=time(9),
        ...     minutes=15, timezone="America/Los_Angeles", summary="S", location="L",
        ...     stamp=datetime(2026, 3, 1, tzinfo=UTC))
        >>> "DTSTART;TZID=America/Los_Angeles:20260318T090000" in text
        True
    """

    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")

    begin = datetime.combine(day, start)
    end = begin + timedelta(minutes=minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Puerta//Appointment//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={timezone}:{begin:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={timezone}:{end:%Y%m%dT%H%M%S}",
        f"SUMMARY:{escaped(summary)}",
        f"LOCATION:{escaped(location)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


# --- ending or changing a step, each behind a confirm step -------------------------------------


@dataclass(frozen=True)
class Action:
    """A change the person asks for on a page of its own before it is done."""

    title: Message
    explain: Message
    button: Message
    run: Callable[[Session, Registration, Settings, Clock], object]


def _extend(db: Session, registration: Registration, settings: Settings, clock: Clock) -> object:
    selection = confirmation_service.current_offer(db, registration)
    return confirmation_service.extend(db, selection=selection, settings=settings, clock=clock)


def _decline(db: Session, registration: Registration, settings: Settings, clock: Clock) -> object:
    selection = confirmation_service.current_offer(db, registration)
    confirmation_service.decline(db, selection=selection, settings=settings, clock=clock)
    return None


def _cancel(db: Session, registration: Registration, settings: Settings, clock: Clock) -> object:
    appointment = confirmation_service.booked_appointment(db, registration)
    return confirmation_service.cancel(db, appointment=appointment, settings=settings, clock=clock)


def _withdraw(db: Session, registration: Registration, settings: Settings, clock: Clock) -> object:
    return withdraw_registration(db, registration=registration, settings=settings, clock=clock)


ACTIONS: dict[str, Action] = {
    "extend": Action(
        M("page.extend.title", "Ask for more time to confirm"),
        M(
            "page.extend.explain",
            "You can do this once. Your deadline moves out by one more day; your seats stay "
            "held for you until then.",
        ),
        M("page.extend.button", "Yes, give me more time"),
        _extend,
    ),
    "decline": Action(
        M("page.decline.title", "Say no to this appointment"),
        M(
            "page.decline.explain",
            "Your seats go to other people. You can ask for an appointment again in the next "
            "window.",
        ),
        M("page.decline.button", "Yes, say no"),
        _decline,
    ),
    "cancel": Action(
        M("page.cancel.title", "Cancel your appointment"),
        M(
            "page.cancel.explain",
            "Your appointment ends and its seats go to other people. You can ask for a new "
            "appointment in the next window.",
        ),
        M("page.cancel.button", "Yes, cancel it"),
        _cancel,
    ),
    "withdraw": Action(
        M("page.withdraw.title", "Withdraw this registration"),
        M(
            "page.withdraw.explain",
            "Its request, its offer and its appointment end, and it cannot ask again. This "
            "cannot be undone.",
        ),
        M("page.withdraw.button", "Yes, withdraw it"),
        _withdraw,
    ),
}


def _action_page(
    request: Request,
    registration_id: str,
    name: str,
    token: str,
    errors: forms.Errors | None = None,
) -> HTMLResponse:
    action = ACTIONS[name]
    return page(
        request,
        "journey/action.html",
        {
            "registration_id": registration_id,
            "name": name,
            "title": action.title,
            "explain": action.explain,
            "button": action.button,
            "token": token,
            "errors": errors or forms.Errors(),
        },
        status=400 if errors else 200,
    )


@router.get("/registrations/{registration_id}/{action}", response_class=HTMLResponse)
def action_page(
    registration_id: str, action: str, request: Request, db: ReadSession, clock: ClockDep
) -> Response:
    """The confirm step of ``action`` (extend, decline, cancel, withdraw)."""
    if action not in ACTIONS:
        raise HTTPException(status_code=404)
    found = _signed_in(request, db, clock)
    if found is None:
        return to_sign_in()
    user, token = found
    registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return _action_page(request, registration_id, action, token)


@router.post("/registrations/{registration_id}/{action}", response_class=HTMLResponse)
def do_action(
    registration_id: str,
    action: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if action not in ACTIONS:
        raise HTTPException(status_code=404)
    found = _signed_in(request, db, clock)
    if found is None:
        return to_sign_in()
    user, token = found
    if not forms.token_ok(request, csrf_token, token):
        return _action_page(request, registration_id, action, token, forms.expired(request))
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    try:
        ACTIONS[action].run(db, registration, settings, clock)
    except PuertaError as exc:
        return _action_page(
            request, registration_id, action, token, forms.domain_errors(request, exc)
        )
    return RedirectResponse(f"/registrations/{registration_id}", status_code=303)
