"""Registering on the pages: travelers one at a time, then "check your answers".

Each traveler is one form, parsed into the API's ``TravelerIn`` and kept in the
session's draft (``registration.drafts``) as soon as it is valid; the
registration is made only when the person sends the checked answers, by the
API's use case. A failed post shows the form again with what was typed and an
error summary. The form asks the date of birth as day, month and year (easier on
a phone than a calendar), the phone as its country and number, and a U.S.
address (a shelter's or a sponsor's is fine).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import phonenumbers
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.config import Settings
from puerta.errors import InvalidValue, PuertaError
from puerta.i18n import M
from puerta.limits import caps
from puerta.limits.deps import LimitsDep
from puerta.pow import service as pow_service
from puerta.pow.views import widget_context
from puerta.registration import choices, drafts
from puerta.registration.schemas import TravelerIn
from puerta.registration.validation import phone_e164
from puerta.web import forms
from puerta.web.deps import ClockDep, DbSession, Public, ReadSession, SettingsDep, client_ip
from puerta.web.device import keep_device, page_device
from puerta.web.language import locale_of, say
from puerta.web.page_auth import Reader, signed_in, to_sign_in
from puerta.web.pages import page

router = APIRouter(include_in_schema=False, dependencies=[Public])
Field = Annotated[str, Form()]
BAD_BIRTH_DATE = M(
    "page.register.bad_birth_date",
    "Write the day and the year of birth as numbers, and choose the month. For example: 27, "
    "March, 1990.",
)
#: The form's fields, in the order the error summary lists them: the API's, with the
#: phone asked as its country and number.
FIELDS = tuple("phone_number" if f == "phone" else f for f in TravelerIn.model_fields)


def _choices(locale: str) -> dict[str, Any]:
    return {
        "countries": choices.countries(locale),
        "spoken": choices.languages(locale),
        "phone_regions": choices.phone_regions(locale),
        "months": choices.months(locale),
        "states": choices.states(),
    }


def _typed_from(traveler: TravelerIn) -> dict[str, str]:
    """A saved traveler as the form's fields (to change it)."""
    typed = {k: "" if v is None else str(v) for k, v in traveler.model_dump().items()}
    born = traveler.date_of_birth
    typed |= {"dob_day": str(born.day), "dob_month": str(born.month), "dob_year": str(born.year)}
    typed["phone_region"], typed["phone_number"] = choices.DEFAULT_PHONE_REGION, ""
    if traveler.phone:
        parsed = phonenumbers.parse(traveler.phone)
        region = phonenumbers.region_code_for_number(parsed) or choices.DEFAULT_PHONE_REGION
        typed["phone_region"] = region
        typed["phone_number"] = phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.NATIONAL
        )
    return typed


def _blank(request: Request) -> dict[str, str]:
    language = locale_of(request).split("_")[0]
    return {"phone_region": choices.DEFAULT_PHONE_REGION, "language": language}


def _traveler_form(
    request: Request,
    reader: Reader,
    *,
    number: int | None,
    typed: dict[str, str],
    errors: forms.Errors | None = None,
    count: int = 0,
) -> HTMLResponse:
    """The form of traveler ``number`` (1-based; None: a new one)."""
    ordered = (
        forms.Errors(
            fields={k: errors.fields[k] for k in (*FIELDS, *errors.fields) if k in errors.fields},
            form=errors.form,
        )
        if errors
        else forms.Errors()
    )
    shown = page(
        request,
        "registration/traveler.html",
        {
            "number": number,
            "position": number if number is not None else count + 1,
            "values": typed,
            "errors": ordered,
            "token": reader.token,
            **_choices(locale_of(request)),
        },
        status=400 if errors else 200,
    )
    return keep_device(request, shown)  # the registration's device (web/device.py)


def _birth_date(day: str, month: str, year: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _parse_traveler(
    request: Request, typed: dict[str, str]
) -> tuple[TravelerIn | None, forms.Errors]:
    """The form's fields as the API's traveler, or the reasons why not, by field."""
    errors = forms.Errors()
    data: dict[str, Any] = {
        k: typed.get(k, "") for k in TravelerIn.model_fields if k not in ("date_of_birth", "phone")
    }
    born = _birth_date(typed["dob_day"], typed["dob_month"], typed["dob_year"])
    data["date_of_birth"] = born or "2000-01-01"
    if born is None:
        errors.fields["date_of_birth"] = say(request, BAD_BIRTH_DATE)
    data["phone"] = None
    if typed["phone_number"].strip():
        try:
            data["phone"] = phone_e164(typed["phone_number"], typed["phone_region"] or "MX")
        except InvalidValue as exc:
            errors.fields["phone_number"] = say(request, exc.message, exc.params)
    body, found = forms.parse(request, TravelerIn, data)
    for name, text in found.fields.items():
        errors.fields.setdefault("phone_number" if name == "phone" else name, text)
    return (body if not errors else None), errors


# --- the draft's travelers ------------------------------------------------------------------


@router.get("/register", response_class=HTMLResponse)
def overview(request: Request, db: ReadSession, settings: SettingsDep, clock: ClockDep) -> Response:
    """The travelers so far, or the first traveler's form when there is none yet."""
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    travelers = drafts.travelers(drafts.current(db, session_id=reader.session_id))
    if not travelers:
        return RedirectResponse("/register/travelers/new", status_code=303)
    return page(
        request,
        "registration/overview.html",
        {
            "travelers": [_summary(t) for t in travelers],
            "can_add": len(travelers) < settings.max_travelers,
            "maximum": settings.max_travelers,
        },
    )


def _summary(traveler: TravelerIn) -> dict[str, Any]:
    return {
        "name": f"{traveler.given_names} {traveler.family_names}",
        "born": traveler.date_of_birth,
    }


def _traveler_get(request: Request, db: Session, clock: Clock, number: int | None) -> Response:
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    travelers = drafts.travelers(drafts.current(db, session_id=reader.session_id))
    if number is None:
        return _traveler_form(
            request, reader, number=None, typed=_blank(request), count=len(travelers)
        )
    if not 1 <= number <= len(travelers):
        return RedirectResponse("/register", status_code=303)
    return _traveler_form(request, reader, number=number, typed=_typed_from(travelers[number - 1]))


def _traveler_post(
    request: Request,
    db: Session,
    settings: Settings,
    clock: Clock,
    number: int | None,
    typed: dict[str, str],
    csrf_token: str,
) -> Response:
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    count = len(drafts.travelers(drafts.current(db, session_id=reader.session_id)))
    if not forms.token_ok(request, csrf_token, reader.token):
        return _traveler_form(
            request, reader, number=number, typed=typed, errors=forms.expired(request), count=count
        )
    body, errors = _parse_traveler(request, typed)
    if body is None:
        return _traveler_form(
            request, reader, number=number, typed=typed, errors=errors, count=count
        )
    try:
        drafts.put_traveler(
            db,
            session_id=reader.session_id,
            owner=reader.user,
            position=None if number is None else number - 1,
            data=body,
            settings=settings,
            clock=clock,
        )
    except PuertaError as exc:
        return _traveler_form(
            request,
            reader,
            number=number,
            typed=typed,
            errors=forms.domain_errors(request, exc),
            count=count,
        )
    return RedirectResponse("/register", status_code=303)


@router.get("/register/travelers/new", response_class=HTMLResponse)
def new_traveler_page(request: Request, db: ReadSession, clock: ClockDep) -> Response:
    return _traveler_get(request, db, clock, None)


@router.get("/register/travelers/{number}", response_class=HTMLResponse)
def traveler_page(number: int, request: Request, db: ReadSession, clock: ClockDep) -> Response:
    return _traveler_get(request, db, clock, number)


def _posted_traveler(
    given_names: Field = "",
    family_names: Field = "",
    dob_day: Field = "",
    dob_month: Field = "",
    dob_year: Field = "",
    sex: Field = "",
    country_of_birth: Field = "",
    citizenship: Field = "",
    language: Field = "",
    phone_region: Field = "",
    phone_number: Field = "",
    email: Field = "",
    address_line1: Field = "",
    address_line2: Field = "",
    city: Field = "",
    state: Field = "",
    zip_code: Field = "",
) -> dict[str, str]:
    return {name: value.strip() for name, value in locals().items()}


TravelerForm = Annotated[dict[str, str], Depends(_posted_traveler)]


@router.post("/register/travelers/new", response_class=HTMLResponse)
def add_traveler(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    typed: TravelerForm,
    csrf_token: Field = "",
) -> Response:
    return _traveler_post(request, db, settings, clock, None, typed, csrf_token)


@router.post("/register/travelers/{number}", response_class=HTMLResponse)
def change_traveler(
    number: int,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    typed: TravelerForm,
    csrf_token: Field = "",
) -> Response:
    return _traveler_post(request, db, settings, clock, number, typed, csrf_token)


# --- removing one -----------------------------------------------------------------------------


def _remove_page(
    request: Request, reader: Reader, number: int, name: str, errors: forms.Errors | None = None
) -> HTMLResponse:
    return page(
        request,
        "registration/remove.html",
        {"number": number, "name": name, "token": reader.token, "errors": errors or forms.Errors()},
        status=400 if errors else 200,
    )


@router.get("/register/travelers/{number}/remove", response_class=HTMLResponse)
def remove_page(number: int, request: Request, db: ReadSession, clock: ClockDep) -> Response:
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    travelers = drafts.travelers(drafts.current(db, session_id=reader.session_id))
    if not 1 <= number <= len(travelers):
        return RedirectResponse("/register", status_code=303)
    return _remove_page(request, reader, number, _summary(travelers[number - 1])["name"])


@router.post("/register/travelers/{number}/remove", response_class=HTMLResponse)
def remove(
    number: int, request: Request, db: DbSession, clock: ClockDep, csrf_token: Field = ""
) -> Response:
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    travelers = drafts.travelers(drafts.current(db, session_id=reader.session_id))
    if not 1 <= number <= len(travelers):
        return RedirectResponse("/register", status_code=303)
    if not forms.token_ok(request, csrf_token, reader.token):
        name = _summary(travelers[number - 1])["name"]
        return _remove_page(request, reader, number, name, forms.expired(request))
    drafts.remove_traveler(db, session_id=reader.session_id, position=number - 1, clock=clock)
    return RedirectResponse("/register", status_code=303)


# --- check your answers, then the registration --------------------------------------------------


def _check_page(
    request: Request,
    reader: Reader,
    travelers: list[TravelerIn],
    errors: forms.Errors | None = None,
) -> HTMLResponse:
    locale = locale_of(request)
    countries = dict(choices.countries(locale))
    languages = dict(choices.languages(locale))
    states = dict(choices.states())
    rows = []
    for traveler in travelers:
        rows.append(
            {
                "traveler": traveler,
                "country_of_birth": countries.get(
                    traveler.country_of_birth, traveler.country_of_birth
                ),
                "citizenship": countries.get(traveler.citizenship, traveler.citizenship),
                "language": languages.get(traveler.language.split("-")[0], traveler.language),
                "state": states.get(traveler.state, traveler.state),
                "phone": _phone_shown(traveler.phone),
            }
        )
    shown = page(
        request,
        "registration/check.html",
        {
            "rows": rows,
            "token": reader.token,
            "errors": errors or forms.Errors(),
            **widget_context(request),
        },
        status=400 if errors else 200,
    )
    return keep_device(request, shown)


def _phone_shown(phone: str | None) -> str:
    if not phone:
        return ""
    return phonenumbers.format_number(
        phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


@router.get("/register/check", response_class=HTMLResponse)
def check_page(request: Request, db: ReadSession, clock: ClockDep) -> Response:
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    travelers = drafts.travelers(drafts.current(db, session_id=reader.session_id))
    if not travelers:
        return RedirectResponse("/register/travelers/new", status_code=303)
    return _check_page(request, reader, travelers)


@router.post("/register/check", response_class=HTMLResponse)
def send(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    limits: LimitsDep,
    csrf_token: Field = "",
    altcha: Field = "",
) -> Response:
    """The registration made, by the API's use case; next: each traveler's photo."""
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    travelers = drafts.travelers(drafts.current(db, session_id=reader.session_id))
    if not forms.token_ok(request, csrf_token, reader.token):
        return _check_page(request, reader, travelers, forms.expired(request))
    ip, device = client_ip(request), page_device(request)
    try:
        pow_service.require(db, altcha, settings=settings, clock=clock)
        if travelers:  # an empty draft is DraftEmpty below, and counts for nothing
            caps.enforce(
                limits,
                db,
                caps.REGISTRATION,
                settings=settings,
                now=clock.now(),
                ip=ip,
                device=device,
            )
        registration = drafts.submit(
            db,
            session_id=reader.session_id,
            owner=reader.user,
            settings=settings,
            clock=clock,
            ip=ip,
            device_id=device,
        )
    except PuertaError as exc:
        # Over a cap the answers stay in the draft (the request rolls back) and are shown.
        shown = _check_page(request, reader, travelers, forms.domain_errors(request, exc))
        return forms.limited(shown, exc)
    return RedirectResponse(f"/registrations/{registration.id}/photos", status_code=303)
