"""The account pages: sign up, verify the emailed code, sign in and out, a new password.

Each page parses its form into the API's own model and calls the same service
function as the JSON view beside it (``accounts/views.py``); a failed post
shows the form again with what was typed (never a password) and an error
summary, a successful one redirects (303) to the next step. Before sign-in,
forms carry the double-submit token of ``web/forms.py``; signed in, the
session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from puerta.accounts import passwords, service
from puerta.accounts.schemas import ForgotPassword, ResetPassword, SignIn, SignUp, VerifyEmail
from puerta.accounts.views import create_account, forget_session, keep_session, open_session
from puerta.errors import PuertaError
from puerta.limits.deps import LimitsDep
from puerta.pow.views import widget_context
from puerta.web import forms
from puerta.web.deps import (
    ClockDep,
    DatabaseDep,
    DbSession,
    MailDep,
    Public,
    ReadSession,
    SettingsDep,
    authenticate,
    client_ip,
    credential_of,
)
from puerta.web.device import keep_device, page_device
from puerta.web.language import locale_of
from puerta.web.pages import page

router = APIRouter(include_in_schema=False, dependencies=[Public])
M = TypeVar("M", bound=BaseModel)
Field = Annotated[str, Form()]


def _form(
    request: Request,
    template: str,
    values: dict[str, Any] | None = None,
    errors: forms.Errors | None = None,
    **context: Any,
) -> HTMLResponse:
    """A form page: its token, what was typed, and the errors if a post failed."""
    token = forms.form_token(request)
    response = page(
        request,
        template,
        {
            "values": values or {},
            "errors": errors or forms.Errors(),
            "token": token,
            "min_length": passwords.MIN_LENGTH,
            **widget_context(request),
            **context,
        },
        status=400 if errors else 200,
    )
    forms.keep_token(response, token)
    return keep_device(request, response)  # the sign-up cap per device (web/device.py)


def _posted(
    request: Request,
    template: str,
    typed: dict[str, Any],
    model: type[M],
    data: dict[str, Any],
    token: str,
) -> tuple[M, None] | tuple[None, HTMLResponse]:
    """A post's form as ``model``, or the form shown again: an old or foreign token
    (nothing is read), or the fields' errors."""
    if not forms.token_ok(request, token):
        return None, _form(request, template, typed, forms.expired(request))
    body, errors = forms.parse(request, model, data)
    if body is None:
        return None, _form(request, template, typed, errors)
    return body, None


def _next(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- sign up and verify ---------------------------------------------------------------------


@router.get("/account/new", response_class=HTMLResponse)
def sign_up_page(request: Request) -> HTMLResponse:
    return _form(request, "accounts/sign_up.html", {"language": locale_of(request)})


@router.post("/account/new", response_class=HTMLResponse)
def sign_up(
    request: Request,
    database: DatabaseDep,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    limits: LimitsDep,
    email: Field = "",
    password: Field = "",
    language: Field = "",
    csrf_token: Field = "",
    altcha: Field = "",
) -> Response:
    typed = {"email": email, "language": language}
    data = {"email": email, "password": password, "language": language or None}
    body, shown = _posted(request, "accounts/sign_up.html", typed, SignUp, data, csrf_token)
    if body is None:
        return shown
    try:
        user = create_account(
            database,
            db,
            body,
            language=body.language or locale_of(request).replace("_", "-"),
            settings=settings,
            clock=clock,
            mail=mail,
            limits=limits,
            ip=client_ip(request),
            device=page_device(request),
            altcha=altcha,
        )
    except PuertaError as exc:
        # A cap names no field: it is said at the top, over the form as it was typed.
        fallback = None if exc.status == 429 else "password"
        shown = _form(
            request, "accounts/sign_up.html", typed, forms.domain_errors(request, exc, fallback)
        )
        return forms.limited(shown, exc)
    return _next(f"/account/verify?email={quote(user.email)}")


@router.get("/account/verify", response_class=HTMLResponse)
def verify_page(request: Request, email: str = "") -> HTMLResponse:
    return _form(request, "accounts/verify.html", {"email": email})


@router.post("/account/verify", response_class=HTMLResponse)
def verify(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    email: Field = "",
    code: Field = "",
    csrf_token: Field = "",
) -> Response:
    typed = {"email": email}
    body, shown = _posted(
        request,
        "accounts/verify.html",
        typed,
        VerifyEmail,
        {"email": email, "code": code.strip()},
        csrf_token,
    )
    if body is None:
        return shown
    try:
        service.verify_email(db, email=body.email, code=body.code, settings=settings, clock=clock)
    except PuertaError as exc:
        if exc.keeps_changes:  # caught to show the form again: its counted attempt lasts
            db.commit()
        return _form(request, "accounts/verify.html", typed, forms.domain_errors(request, exc))
    return _next(f"/sign-in?verified=1&email={quote(body.email)}")


# --- sign in and out ------------------------------------------------------------------------


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, email: str = "", verified: str = "") -> HTMLResponse:
    return _form(request, "accounts/sign_in.html", {"email": email}, verified=bool(verified))


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    database: DatabaseDep,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    email: Field = "",
    password: Field = "",
    csrf_token: Field = "",
) -> Response:
    typed = {"email": email}
    body, shown = _posted(
        request,
        "accounts/sign_in.html",
        typed,
        SignIn,
        {"email": email, "password": password},
        csrf_token,
    )
    if body is None:
        return shown
    try:
        new = open_session(database, db, body, settings, clock, mail, client_ip(request))
    except PuertaError as exc:
        shown = _form(request, "accounts/sign_in.html", typed, forms.domain_errors(request, exc))
        return forms.limited(shown, exc)  # a pause: 429 with when to come back
    response = _next("/account")
    keep_session(response, new, settings)
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, db: ReadSession, clock: ClockDep) -> Response:
    """Who is signed in; a signed-out browser is sent to sign in, not shown a 401."""
    try:
        auth = authenticate(db, credential_of(request), "GET", clock)
    except PuertaError:
        return _next("/sign-in")
    user = auth.user
    return page(
        request,
        "accounts/account.html",
        {"email": user.email, "language": user.language, "token": auth.session.csrf_token},
    )


@router.post("/sign-out")
def sign_out(request: Request, db: DbSession, clock: ClockDep, csrf_token: Field = "") -> Response:
    try:
        auth = authenticate(db, credential_of(request), "GET", clock)
    except PuertaError:
        return _next("/")
    if not forms.token_ok(request, csrf_token, auth.session.csrf_token):
        return _next("/account")
    service.sign_out(db, auth=auth.session, clock=clock)
    response = _next("/")
    forget_session(response)
    return response


# --- a new password -------------------------------------------------------------------------


@router.get("/account/forgot", response_class=HTMLResponse)
def forgot_page(request: Request) -> HTMLResponse:
    return _form(request, "accounts/forgot.html")


@router.post("/account/forgot", response_class=HTMLResponse)
def forgot(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    email: Field = "",
    csrf_token: Field = "",
) -> Response:
    typed = {"email": email}
    body, shown = _posted(
        request, "accounts/forgot.html", typed, ForgotPassword, {"email": email}, csrf_token
    )
    if body is None:
        return shown
    service.request_reset(db, email=body.email, settings=settings, clock=clock, mail=mail)
    return _next(f"/account/reset?email={quote(body.email)}")


@router.get("/account/reset", response_class=HTMLResponse)
def reset_page(request: Request, email: str = "") -> HTMLResponse:
    return _form(request, "accounts/reset.html", {"email": email})


@router.post("/account/reset", response_class=HTMLResponse)
def reset(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    email: Field = "",
    code: Field = "",
    password: Field = "",
    csrf_token: Field = "",
) -> Response:
    typed = {"email": email}
    data = {"email": email, "code": code.strip(), "password": password}
    body, shown = _posted(request, "accounts/reset.html", typed, ResetPassword, data, csrf_token)
    if body is None:
        return shown
    try:
        password_hash = service.hash_new_password(body.password)
        service.reset_password(
            db,
            email=body.email,
            code=body.code,
            password_hash=password_hash,
            settings=settings,
            clock=clock,
        )
    except PuertaError as exc:
        if exc.keeps_changes:
            db.commit()  # a wrong code is counted
        return _form(
            request, "accounts/reset.html", typed, forms.domain_errors(request, exc, "password")
        )
    return _next(f"/sign-in?email={quote(body.email)}")
