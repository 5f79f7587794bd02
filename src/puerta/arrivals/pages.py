"""The officers' console, read side: a port's arrivals for a day, look-up by code (typed
or scanned), an arrival's detail with both photos, the photos themselves, and the
printable 72-hour briefing.

The pages call the same service functions as the JSON views (``arrivals.service``,
``findings.briefing``) and shape arrivals through ``arrivals.console``. Every page that
shows a traveler's personal data or photo writes its audit row first
(``web.staff.audit``), and is never kept by the browser (``no-store``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puerta.arrivals import console, photos, service
from puerta.errors import AppointmentCodeNotFound
from puerta.findings import briefing as briefing_mod
from puerta.i18n import M
from puerta.lifecycle import FindingStatus
from puerta.registration.deps import PhotoStoreDep
from puerta.web import forms
from puerta.web.deps import ClockDep, ReadSession
from puerta.web.language import locale_of, say
from puerta.web.pages import Formats, page
from puerta.web.params import FIRST_DAY, LAST_DAY
from puerta.web.staff import OfficerPage, PortPage, StaffPort, audit

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store, private"}
BAD_DATE = M("staff.console.bad_date", "Enter a date as YYYY-MM-DD, from {first} to {last}.")
STATES = tuple(FindingStatus)
NO_CODE = M("staff.console.no_code", "Enter the confirmation code.")


def _day(text: str, default: date) -> date | None:
    """A date typed or picked (``YYYY-MM-DD``), the default when empty, None when bad."""
    if not text.strip():
        return default
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY - timedelta(days=7) else None


def _date_error(request: Request, field: str) -> forms.Errors:
    first, last = FIRST_DAY.isoformat(), (LAST_DAY - timedelta(days=7)).isoformat()
    return forms.Errors(fields={field: say(request, BAD_DATE, {"first": first, "last": last})})


def _port_page(
    request: Request,
    where: StaffPort,
    template: str,
    context: dict[str, object],
    *,
    status: int = 200,
) -> HTMLResponse:
    """A port's page: times and dates in the port's own zone, never cached."""
    port = where.port
    return page(
        request,
        template,
        {
            "reader": where.reader,
            "port": port,
            "fmt": Formats(locale_of(request), port.timezone),
            **context,
        },
        status=status,
        headers=NO_STORE,
    )


@router.get("/staff/ports/{port_code}/arrivals", response_class=HTMLResponse)
def arrivals(
    request: Request, where: PortPage, db: ReadSession, clock: ClockDep, date: str = ""
) -> HTMLResponse:
    """The port's arrivals for a day (today at the port by default), each with its
    travelers, photos, findings and the face check; one audit row for the list."""
    today = console.port_today(clock, where.port.timezone)
    day = _day(date, today)
    if day is None:
        context = {"day": today, "typed": date, "errors": _date_error(request, "date")}
        return _port_page(
            request, where, "staff/console/arrivals.html", context | {"arrivals": []}, status=400
        )
    loaded = service.arrivals_for_port(db, port_code=where.port.code, day=day)
    shown = [console.arrival_view(request, a) for a in loaded]
    subject = f"{where.port.code}:{day.isoformat()}"
    audit(
        request,
        where.reader,
        "arrival.read",
        "port_day",
        subject,
        clock=clock,
        port_code=where.port.code,
        detail={"arrivals": len(shown)},
    )
    context = {
        "day": day,
        "today": today,
        "typed": day.isoformat(),
        "previous": (day - timedelta(days=1)).isoformat(),
        "next": (day + timedelta(days=1)).isoformat(),
        "arrivals": shown,
        "travelers": sum(len(a.travelers) for a in shown),
        "errors": forms.Errors(),
    }
    return _port_page(request, where, "staff/console/arrivals.html", context)


@router.get("/staff/lookup", response_class=HTMLResponse)
def lookup(request: Request, reader: OfficerPage, db: ReadSession, code: str = "") -> Response:
    """A confirmation code typed (or read from the applicant's QR code, which holds the
    code alone) leads to the arrival's page; another port's code reads as not found."""
    context = {"reader": reader, "code": code, "errors": forms.Errors()}
    if "code" not in request.query_params:
        return page(request, "staff/console/lookup.html", context, headers=NO_STORE)
    if not code.strip():
        context["errors"] = forms.Errors(fields={"code": say(request, NO_CODE)})
        return page(request, "staff/console/lookup.html", context, status=400, headers=NO_STORE)
    try:
        found = service.find_by_code(db, user=reader.user, code=code[:64])
    except AppointmentCodeNotFound as exc:
        context["errors"] = forms.domain_errors(request, exc, "code")
        return page(request, "staff/console/lookup.html", context, status=404, headers=NO_STORE)
    target = f"/staff/ports/{found.port_code}/arrivals/{quote(found.code)}"
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


@router.get("/staff/ports/{port_code}/arrivals/{code}", response_class=HTMLResponse)
def arrival(
    request: Request, code: str, where: PortPage, db: ReadSession, clock: ClockDep
) -> HTMLResponse:
    """One arrival: both photos side by side, the face check as advice, the travelers'
    advance information, the findings with their evidence; audited."""
    loaded = service.arrival_by_code(db, user=where.reader.user, code=code)
    if loaded.appointment.port_code != where.port.code:  # another port's arrival, by its path
        raise AppointmentCodeNotFound(field="code")
    shown = console.arrival_view(request, loaded)
    audit(
        request,
        where.reader,
        "arrival.read",
        "appointment",
        shown.out.code,
        clock=clock,
        port_code=where.port.code,
    )
    context = {
        "arrival": shown,
        "evidence": {f.id: console.evidence_rows(f.evidence) for f in shown.findings},
    }
    return _port_page(request, where, "staff/console/arrival.html", context)


def _photo(shown: photos.ShownPhoto) -> Response:
    return Response(
        shown.data,
        media_type=shown.content_type,
        headers={**NO_STORE, "X-Content-Type-Options": "nosniff"},
    )


@router.get("/staff/photos/registered/{registration_id}/{position}")
def registered_photo(
    request: Request,
    registration_id: Annotated[str, Path(max_length=40)],
    position: Annotated[int, Path(ge=0, le=99)],
    reader: OfficerPage,
    db: ReadSession,
    store: PhotoStoreDep,
    clock: ClockDep,
) -> Response:
    """A traveler's registered photo, for the staff of their appointment's port."""
    shown = photos.registered_photo(
        db, store, user=reader.user, registration_id=registration_id, position=position
    )
    subject = f"{registration_id}:{position}"
    port = shown.port_code
    audit(request, reader, "photo.view", "traveler", subject, clock=clock, port_code=port)
    return _photo(shown)


@router.get("/staff/photos/live/{code}")
def live_photo(
    request: Request,
    code: Annotated[str, Path(max_length=40)],
    reader: OfficerPage,
    db: ReadSession,
    store: PhotoStoreDep,
    clock: ClockDep,
) -> Response:
    """The live photo taken at confirmation, while it is kept (``live_photo_retention_days``)."""
    shown = photos.live_photo(db, store, user=reader.user, code=code)
    audit(request, reader, "photo.view", "live_photo", code, clock=clock, port_code=shown.port_code)
    return _photo(shown)


@router.get("/staff/ports/{port_code}/briefing", response_class=HTMLResponse)
def briefing(
    request: Request, where: PortPage, db: ReadSession, clock: ClockDep, start: str = ""
) -> HTMLResponse:
    """The 72-hour Holders of Interest report as a page to read or print; audited."""
    today = console.port_today(clock, where.port.timezone)
    day = _day(start, today)
    if day is None:
        context = {"built": None, "typed": start, "errors": _date_error(request, "start")}
        return _port_page(request, where, "staff/console/briefing.html", context, status=400)
    built = briefing_mod.build(db, port_code=where.port.code, start=day)
    locale, tz = locale_of(request), where.port.timezone
    data = built.to_json(locale=locale, tz=tz)
    audit(
        request,
        where.reader,
        "briefing.read",
        "port_day",
        f"{where.port.code}:{day.isoformat()}",
        clock=clock,
        port_code=where.port.code,
        detail={"arrivals": len(built.arrivals), "listed": len(built.listed)},
    )
    listed = {a.code for a in built.listed}
    context = {
        "built": built,
        "data": data,
        "listed": [
            a | {"day": date.fromisoformat(a["day"])}
            for a in data["arrivals"]
            if a["code"] in listed
        ],
        "start": date.fromisoformat(built.start),
        "end": date.fromisoformat(built.end) - timedelta(days=1),
        "hours": briefing_mod.HOURS,
        "kind_names": {k: say(request, m) for k, m in console.KIND_NAMES.items()},
        "status_names": {s.value: console.state_name(FindingStatus, s, locale) for s in STATES},
        "typed": day.isoformat(),
        "errors": forms.Errors(),
    }
    return _port_page(request, where, "staff/console/briefing.html", context)
