"""The officers' pages for processing an arrival, and the port's day summary.

``/staff/ports/{port}/arrivals/{code}/process``: check the group in (one button),
then per traveler a disposition (the notice's address prefilled with the registered
one, to confirm or correct), corrections with a reason, the history. Recording and
correcting are sensitive: ``require_fresh`` on the GET and on every POST. A refusal
shows the page again with its error summary (400), and nothing of it is kept.

``/staff/ports/{port}/summary?date=``: the day in figures, printable.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from puerta.arrivals import checkin, summary
from puerta.arrivals.rules import NoticeAddress
from puerta.arrivals.schemas import DispositionIn
from puerta.clock import Clock
from puerta.confirmation.models import Appointment
from puerta.errors import PuertaError
from puerta.i18n.translate import term
from puerta.lifecycle import DECIDED, ArrivalStatus, Disposition
from puerta.web import forms
from puerta.web.deps import ClockDep, DbSession, ReadSession, SettingsDep
from puerta.web.language import locale_of
from puerta.web.pages import page
from puerta.web.params import ServiceDay
from puerta.web.staff import PortPage, StaffPort, audit, require_fresh

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]
Position = Annotated[int, Path(ge=0, le=99)]
PROCESS = "/staff/ports/{port_code}/arrivals/{code}/process"
NO_STORE = {"Cache-Control": "no-store"}
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "zip_code")


def _names(request: Request) -> dict[str, str]:
    locale = locale_of(request)
    return {s.value: term(s, locale) for s in (*Disposition, *ArrivalStatus)}


def _process_page(
    request: Request,
    db: Session,
    where: StaffPort,
    appointment: Appointment,
    *,
    errors: forms.Errors | None = None,
    failed: int | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    process = checkin.process_of(db, appointment)
    zone = ZoneInfo(where.port.timezone)
    arrival = process.arrival
    checked_in = (
        arrival.checked_in_at.astimezone(zone).time() if arrival and arrival.checked_in_at else None
    )
    travelers = [
        {
            "traveler": t,
            "row": process.dispositions.get(t.position),
            "registered": checkin.registered_address(t),
        }
        for t in process.registration.travelers
    ]
    return page(
        request,
        "staff/arrivals/process.html",
        {
            "reader": where.reader,
            "port": where.port,
            "appointment": appointment,
            "status": process.status.value,
            "checked_in": checked_in,
            "travelers": travelers,
            "history": [(e, e.at.astimezone(zone)) for e in process.history],
            "actors": checkin.actor_emails(db, process.history),
            "names": _names(request),
            "decided": [d.value for d in DECIDED],
            "errors": errors or forms.Errors(),
            "failed": failed,
            "values": values or {},
            "action": PROCESS.format(port_code=where.port.code, code=appointment.code),
        },
        status=400 if errors else 200,
        headers=NO_STORE,
    )


@router.get(PROCESS, response_class=HTMLResponse)
def process_page(
    request: Request,
    where: PortPage,
    code: str,
    db: ReadSession,
    clock: ClockDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The arrival to process; a read of its travelers, audited."""
    require_fresh(where.reader, clock=clock, settings=settings)
    appointment = checkin.find(db, user=where.reader.user, port_code=where.port.code, code=code)
    shown = _process_page(request, db, where, appointment)
    audit(
        request,
        where.reader,
        "arrival.read",
        "appointment",
        appointment.code,
        clock=clock,
        port_code=appointment.port_code,
        detail={"view": "process"},
    )
    return shown


def _back(where: StaffPort, appointment: Appointment, anchor: str = "") -> Response:
    url = PROCESS.format(port_code=where.port.code, code=appointment.code) + anchor
    return RedirectResponse(url, status_code=303)


@router.post(PROCESS + "/check-in", response_class=HTMLResponse)
def check_in(
    request: Request,
    where: PortPage,
    code: str,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    csrf_token: Field = "",
    reason: Field = "",
) -> Response:
    """One button: the group is at the limit line now (a no-show's, with a reason)."""
    require_fresh(where.reader, clock=clock, settings=settings)
    appointment = checkin.find(db, user=where.reader.user, port_code=where.port.code, code=code)
    if not forms.token_ok(request, csrf_token, where.reader.token):
        return _process_page(request, db, where, appointment, errors=forms.expired(request))
    try:
        checkin.check_in(
            db,
            appointment=appointment,
            officer=where.reader.user,
            clock=clock,
            reason=reason or None,
            ip=where.reader.ip,
        )
    except PuertaError as exc:
        errors = forms.domain_errors(request, exc, "check-in")
        return _process_page(request, db, where, appointment, errors=errors)
    return _back(where, appointment)


@router.post(PROCESS + "/travelers/{position}", response_class=HTMLResponse)
def disposition(
    request: Request,
    where: PortPage,
    code: str,
    position: Position,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    csrf_token: Field = "",
    disposition: Field = "",
    note: Field = "",
    reason: Field = "",
    correcting: Field = "",
    address_line1: Field = "",
    address_line2: Field = "",
    city: Field = "",
    state: Field = "",
    zip_code: Field = "",
) -> Response:
    """Record one traveler's disposition, or correct it (``correcting``) with a reason."""
    require_fresh(where.reader, clock=clock, settings=settings)
    appointment = checkin.find(db, user=where.reader.user, port_code=where.port.code, code=code)
    values = {
        "disposition": disposition,
        "note": note,
        "reason": reason,
        "address_line1": address_line1,
        "address_line2": address_line2,
        "city": city,
        "state": state,
        "zip_code": zip_code,
    }
    shown: dict[str, Any] = {"failed": position, "values": values}
    if not forms.token_ok(request, csrf_token, where.reader.token):
        return _process_page(
            request, db, where, appointment, errors=forms.expired(request), **shown
        )
    prefix = f"t{position}-"
    body, errors = forms.parse(
        request,
        DispositionIn,
        {
            "disposition": disposition,
            "note": note or None,
            "notice_address": (
                {
                    k: values[k]
                    for k in ("address_line1", "address_line2", "city", "state", "zip_code")
                }
                if disposition == Disposition.PROCESSED_NTA.value
                else None
            ),
        },
    )
    if body is None:
        fields = {prefix + k.rsplit(".", 1)[-1]: text for k, text in errors.fields.items()}
        return _process_page(
            request, db, where, appointment, errors=forms.Errors(fields=fields), **shown
        )
    notice = body.notice_address.value() if body.notice_address else None
    try:
        _record(db, where, appointment, position, body, notice, correcting, reason, clock)
    except PuertaError as exc:
        errors = forms.domain_errors(request, exc, "disposition")
        fields = {prefix + (k or "disposition"): text for k, text in errors.fields.items()}
        errors = forms.Errors(fields=fields, form=errors.form)
        return _process_page(request, db, where, appointment, errors=errors, **shown)
    return _back(where, appointment, f"#traveler-{position}")


def _record(
    db: Session,
    where: StaffPort,
    appointment: Appointment,
    position: int,
    body: DispositionIn,
    notice: NoticeAddress | None,
    correcting: str,
    reason: str,
    clock: Clock,
) -> None:
    common: dict[str, Any] = {
        "appointment": appointment,
        "position": position,
        "disposition": Disposition(body.disposition),
        "note": body.note,
        "notice": notice,
        "officer": where.reader.user,
        "clock": clock,
        "ip": where.reader.ip,
    }
    if correcting:
        checkin.correct_disposition(db, reason=reason, **common)
    else:
        checkin.record_disposition(db, **common)


@router.get("/staff/ports/{port_code}/summary", response_class=HTMLResponse)
def summary_page(
    request: Request,
    where: PortPage,
    db: ReadSession,
    clock: ClockDep,
    date: ServiceDay | None = None,
) -> HTMLResponse:
    """The port's day in figures (today at the port by default); printable."""
    zone = ZoneInfo(where.port.timezone)
    day: Date = date or clock.now().astimezone(zone).date()
    found = summary.day_summary(db, port_code=where.port.code, day=day)
    return page(
        request,
        "staff/arrivals/summary.html",
        {
            "reader": where.reader,
            "port": where.port,
            "summary": found,
            "names": _names(request),
            "decided": [d.value for d in DECIDED],
        },
        headers=NO_STORE,
    )
