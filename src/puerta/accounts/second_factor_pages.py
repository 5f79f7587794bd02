"""The staff's second step: the code after the password, enrolment, and re-authentication.

After the password (``staff_pages.sign_in``) a staff session opens nothing
(``AuthSession.second_factor_at`` is empty; every staff page sends the browser here):
``/staff/second-factor`` asks for the code of the authenticator app or a recovery code;
an account with no factor yet goes to ``/staff/enrol`` first, which shows the secret as a
QR code (an SVG drawn here, no script) and as text, asks for one code, and then shows
the ten recovery codes once. ``/staff/confirm`` asks for the password and a fresh code
again before a sensitive action (``web.staff.require_fresh``).

Every page works without JavaScript; a wrong code shows the form again with an error
summary (400), a locked factor says for how long (429).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puerta.accounts import second_factor, service, throttle
from puerta.accounts.schemas import SecondFactorCode
from puerta.accounts.staff_pages import safe_next
from puerta.errors import PuertaError, SecondFactorEnrolled, SecondFactorNotEnrolled
from puerta.web import forms
from puerta.web.deps import (
    ClockDep,
    DbSession,
    MailDep,
    ReadSession,
    RequestWork,
    SettingsDep,
)
from puerta.web.pages import page
from puerta.web.staff import OfficerPage, PendingStaffPage, StaffReader

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]
NO_STORE = {"Cache-Control": "no-store"}
SECOND_FACTOR = "/staff/second-factor"
ENROL = "/staff/enrol"


def _to(path: str, target: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode({'next': target})}", status_code=303)


def _form(
    request: Request,
    template: str,
    reader: StaffReader,
    *,
    target: str,
    errors: forms.Errors | None = None,
    **context: Any,
) -> HTMLResponse:
    return page(
        request,
        template,
        {
            "reader": None,  # no nav: nothing opens before this step
            "who": reader.user.email,
            "token": reader.token,
            "next": target,
            "errors": errors or forms.Errors(),
            **context,
        },
        status=400 if errors else 200,
        headers=NO_STORE,
    )


def _shown_error(
    request: Request, exc: PuertaError, template: str, reader: StaffReader, **context: Any
) -> HTMLResponse:
    shown = _form(
        request, template, reader, errors=forms.domain_errors(request, exc, "code"), **context
    )
    return forms.limited(shown, exc)


# --- the code after the password ---------------------------------------------------------


@router.get(SECOND_FACTOR, response_class=HTMLResponse)
def second_factor_page(
    request: Request, reader: PendingStaffPage, db: ReadSession, next: str = ""
) -> Response:
    target = safe_next(next)
    if reader.session.second_factor_at is not None:
        return RedirectResponse(target, status_code=303)
    if not second_factor.is_enrolled(db, reader.user.id):
        return _to(ENROL, target)
    return _form(request, "staff/second_factor.html", reader, target=target)


@router.post(SECOND_FACTOR, response_class=HTMLResponse)
def give_second_factor(
    request: Request,
    reader: PendingStaffPage,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    code: Field = "",
    next: Field = "",
    csrf_token: Field = "",
) -> Response:
    """The TOTP code or a recovery code; right: on to ``next``; wrong: the form again."""
    target, template = safe_next(next), "staff/second_factor.html"
    if not forms.token_ok(request, csrf_token, reader.token):
        return _form(request, template, reader, target=target, errors=forms.expired(request))
    if reader.session.second_factor_at is not None:
        return RedirectResponse(target, status_code=303)
    body, errors = forms.parse(request, SecondFactorCode, {"code": code.strip()})
    if body is None:
        return _form(request, template, reader, target=target, errors=errors)
    try:
        second_factor.give(
            db,
            auth=reader.session,
            user=reader.user,
            code=body.code,
            settings=settings,
            clock=clock,
            mail=mail,
            ip=reader.ip,
        )
    except SecondFactorNotEnrolled:
        return _to(ENROL, target)
    except PuertaError as exc:
        return _shown_error(request, exc, template, reader, target=target)
    return RedirectResponse(target, status_code=303)


# --- enrolment -----------------------------------------------------------------------------


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an SVG document (drawn on the server: the page needs no
    script, and the secret never leaves the page for a QR service)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    return image.to_string(encoding="unicode")  # type: ignore[no-any-return]


def _enrolment(db: Any, reader: StaffReader, settings: Any) -> dict[str, Any]:
    """What the enrolment page shows: the QR code and the secret, in groups of four."""
    factor = second_factor.factor_of(db, reader.user.id)
    if factor is None:
        raise SecondFactorNotEnrolled()
    secret = second_factor.secret_of(factor, settings)
    svg = qr_svg(second_factor.provisioning_uri(secret, reader.user.email))
    return {
        "qr": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


@router.get(ENROL, response_class=HTMLResponse)
def enrol_page(
    request: Request,
    reader: PendingStaffPage,
    db: ReadSession,
    settings: SettingsDep,
    next: str = "",
) -> Response:
    target = safe_next(next)
    if second_factor.is_enrolled(db, reader.user.id):
        return _to(SECOND_FACTOR, target)
    context = _enrolment(db, reader, settings)
    return _form(request, "staff/enrol.html", reader, target=target, **context)


@router.post(ENROL, response_class=HTMLResponse)
def enrol(
    request: Request,
    reader: PendingStaffPage,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    code: Field = "",
    next: Field = "",
    csrf_token: Field = "",
) -> Response:
    """One right code confirms the factor; the recovery codes are shown on this answer
    only (they are kept as hashes from here on)."""
    target, template = safe_next(next), "staff/enrol.html"
    if second_factor.is_enrolled(db, reader.user.id):
        return _to(SECOND_FACTOR, target)
    context = _enrolment(db, reader, settings)
    if not forms.token_ok(request, csrf_token, reader.token):
        errors = forms.expired(request)
        return _form(request, template, reader, target=target, errors=errors, **context)
    body, errors = forms.parse(request, SecondFactorCode, {"code": code.strip()})
    if body is None:
        return _form(request, template, reader, target=target, errors=errors, **context)
    try:
        codes = second_factor.enrol(
            db,
            auth=reader.session,
            user=reader.user,
            code=body.code,
            settings=settings,
            clock=clock,
            mail=mail,
            ip=reader.ip,
        )
    except SecondFactorEnrolled:
        return _to(SECOND_FACTOR, target)
    except PuertaError as exc:
        return _shown_error(request, exc, template, reader, target=target, **context)
    return _form(request, "staff/recovery_codes.html", reader, target=target, codes=codes)


# --- re-authentication before a sensitive action -------------------------------------------


def _confirm_form(
    request: Request, reader: StaffReader, target: str, errors: forms.Errors | None = None
) -> HTMLResponse:
    return page(
        request,
        "staff/confirm.html",
        {"reader": reader, "next": target, "errors": errors or forms.Errors()},
        status=400 if errors else 200,
        headers=NO_STORE,
    )


@router.get("/staff/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, reader: OfficerPage, next: str = "") -> Response:
    return _confirm_form(request, reader, safe_next(next))


@router.post("/staff/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    reader: OfficerPage,
    uow: RequestWork,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    password: Field = "",
    code: Field = "",
    next: Field = "",
    csrf_token: Field = "",
) -> Response:
    """The password and a fresh TOTP code: the session's ``reauth_at`` is now, and the
    browser goes back to the form it came from.

    The account's hash is read, the connection given back (``uow.release``) and argon2
    run holding none, as at sign-in; a wrong password is counted as at sign-in."""
    target = safe_next(next)
    if not forms.token_ok(request, csrf_token, reader.token):
        return _confirm_form(request, reader, target, forms.expired(request))
    body, errors = forms.parse(request, SecondFactorCode, {"code": code.strip()})
    if body is None:
        return _confirm_form(request, reader, target, errors)
    user, auth = reader.user, reader.session
    try:
        throttle.check(db, throttle.keys_for(user.email, reader.ip), clock.now())
        stored = user.password_hash
        uow.release()
        check = service.check_password(email=user.email, stored_hash=stored, password=password)
        service.confirm_password(db, user=user, check=check, clock=clock, mail=mail, ip=reader.ip)
        second_factor.reauthenticate(
            db,
            auth=auth,
            user=user,
            code=body.code,
            settings=settings,
            clock=clock,
            mail=mail,
            ip=reader.ip,
        )
    except PuertaError as exc:
        shown = _confirm_form(request, reader, target, forms.domain_errors(request, exc, "code"))
        return forms.limited(shown, exc)
    return RedirectResponse(target, status_code=303)
