"""The staff's door: sign in, the staff home, sign out.

Staff sign in at ``/staff/sign-in``, apart from applicants: their pages are
in the staff catalog's languages, a staff session is shorter, and a
signed-out staff page comes back here (``web.problems.staff_sign_in``) with
``next`` set, so the officer lands where they were.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puerta.accounts import service
from puerta.accounts.schemas import SignIn
from puerta.accounts.views import forget_session, keep_session, open_session, second_step
from puerta.audit import service as audit_service
from puerta.errors import PuertaError, StaffOnly
from puerta.ports import service as ports_service
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
from puerta.web.pages import page
from puerta.web.staff import STAFF_ROLES, OfficerPage

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]
HOME = "/staff"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a staff page of this site, never another site."""
    if value and value.startswith("/staff") and not value.startswith("//") and "\\" not in value:
        return value
    return HOME


def sign_in_form(
    request: Request,
    values: dict[str, Any] | None = None,
    errors: forms.Errors | None = None,
    *,
    next_page: str = HOME,
    **context: Any,
) -> HTMLResponse:
    token = forms.form_token(request)
    response = page(
        request,
        "staff/sign_in.html",
        {
            "reader": None,
            "values": values or {},
            "errors": errors or forms.Errors(),
            "token": token,
            "next": next_page,
            **context,
        },
        status=400 if errors else 200,
        headers={"Cache-Control": "no-store"},
    )
    forms.keep_token(response, token)
    return response


@router.get("/staff/sign-in", response_class=HTMLResponse, dependencies=[Public])
def sign_in_page(request: Request, next: str = "", ended: str = "") -> HTMLResponse:
    return sign_in_form(request, next_page=safe_next(next), ended=bool(ended))


@router.post("/staff/sign-in", response_class=HTMLResponse, dependencies=[Public])
def sign_in(
    request: Request,
    database: DatabaseDep,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    email: Field = "",
    password: Field = "",
    next: Field = "",
    csrf_token: Field = "",
) -> Response:
    """Email and password; an applicant's account is refused here (and no session kept)."""
    typed, target = {"email": email}, safe_next(next)
    if not forms.token_ok(request, csrf_token):
        return sign_in_form(request, typed, forms.expired(request), next_page=target)
    body, errors = forms.parse(request, SignIn, {"email": email, "password": password})
    if body is None:
        return sign_in_form(request, typed, errors, next_page=target)
    try:
        new = open_session(database, db, body, settings, clock, mail, client_ip(request))
        if new.user.role not in {r.value for r in STAFF_ROLES}:
            raise StaffOnly()
    except PuertaError as exc:  # rolled back: an applicant's session is not kept
        shown = sign_in_form(
            request, typed, forms.domain_errors(request, exc, "password"), next_page=target
        )
        return forms.limited(shown, exc)
    step = second_step(db, new.user, settings, clock)
    audit_service.record(
        db,
        actor=new.user,
        action="staff.sign_in",
        subject_kind="user",
        subject_id=new.user.id,
        ip=client_ip(request),
        detail={"next_step": step},
        clock=clock,
    )
    # The password is half of it: the code (or, the first time, enrolment) comes next.
    where = "/staff/second-factor" if step == "required" else "/staff/enrol"
    response = RedirectResponse(f"{where}?{urlencode({'next': target})}", status_code=303)
    keep_session(response, new, settings)
    return response


@router.get("/staff", response_class=HTMLResponse)
def home(request: Request, reader: OfficerPage, db: ReadSession) -> HTMLResponse:
    """Links by role; analysts and admins pick a port here."""
    ports = [(p.code, p.name) for p in ports_service.list_ports(db)]
    return page(
        request,
        "staff/home.html",
        {"reader": reader, "ports": ports, "port_names": dict(ports)},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/staff/sign-out", dependencies=[Public])
def sign_out(request: Request, db: DbSession, clock: ClockDep, csrf_token: Field = "") -> Response:
    try:
        auth = authenticate(db, credential_of(request), "GET", clock)
    except PuertaError:
        return RedirectResponse("/staff/sign-in", status_code=303)
    if not forms.token_ok(request, csrf_token, auth.session.csrf_token):
        staff = auth.user.role in {r.value for r in STAFF_ROLES}
        return RedirectResponse(HOME if staff else "/", status_code=303)
    service.sign_out(db, auth=auth.session, clock=clock)
    response = RedirectResponse("/staff/sign-in", status_code=303)
    forget_session(response)
    return response
