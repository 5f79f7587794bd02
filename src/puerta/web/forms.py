"""HTML forms: the token that proves a form came from our page, and errors per field.

Why a token of our own before sign-in: a form posted from another site carries
the reader's cookies but cannot read ours, so a random value in a cookie that
must come back in a hidden field (double submit) stops cross-site posts of the
sign-up, sign-in and reset forms. Signed-in forms carry the session's own CSRF
token, the one the API checks in its header.

A failed post re-renders its form with what was typed (never the password) and
an error summary at the top linking to each field, in the reader's language.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel, ValidationError

from puerta.errors import PuertaError
from puerta.i18n.message import M
from puerta.web.deps import refuse
from puerta.web.language import say

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R", bound=Response)
FORM_COOKIE = "puerta_form"
FORM_FIELD = "csrf_token"
FORM_EXPIRED = M(
    "form.expired",
    "This form is too old or came from another page. Please fill it in again and send it.",
)
FIELD_PROBLEM = M("form.field_problem", "Check this field.")


def form_token(request: Request) -> str:
    """The reader's form token (made on first use; :func:`keep_token` stores it)."""
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


def keep_token(response: Response, token: str) -> Response:
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


def token_ok(request: Request, sent: str, expected: str | None = None) -> bool:
    """Whether ``sent`` is the form token (or the session's, ``expected``)."""
    want = expected if expected is not None else request.cookies.get(FORM_COOKIE, "")
    return bool(want) and hmac.compare_digest(sent.encode(), want.encode())


@dataclass
class Errors:
    """What went wrong with a post: by field (in the form's order) and for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    form: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.form)

    @property
    def summary(self) -> list[tuple[str | None, str]]:
        """(field id or None, text) for the summary at the top of the page."""
        return [(None, t) for t in self.form] + list(self.fields.items())


def parse(request: Request, model: type[T], data: dict[str, Any]) -> tuple[T | None, Errors]:
    """``data`` as ``model``, or the reasons it is not, per field, in the reader's language."""
    from puerta.web.problems import input_error

    try:
        return model.model_validate(data), Errors()
    except ValidationError as exc:
        errors = Errors()
        for e in exc.errors():
            name = ".".join(str(p) for p in e["loc"]) or "form"
            if name not in errors.fields:
                message, params = input_error(dict(e))
                errors.fields[name] = say(request, message, params)
        return None, errors


def refused(request: Request, exc: PuertaError) -> None:
    """A refusal shown on the page: nothing the request did lasts, unless the error keeps
    its changes (a counted attempt), which the route has committed before this."""
    if not exc.keeps_changes:
        refuse(request)


def domain_errors(request: Request, exc: PuertaError, fallback_field: str | None = None) -> Errors:
    """A service's refusal on the field it names (else the form's summary); the request's
    work is rolled back (:func:`refused`), so nothing is half-written."""
    refused(request, exc)
    text = say(request, exc.message, exc.params)
    name = exc.field or fallback_field
    return Errors(fields={name: text}) if name else Errors(form=[text])


def expired(request: Request) -> Errors:
    return Errors(form=[say(request, FORM_EXPIRED)])


def limited(response: R, exc: PuertaError) -> R:
    """A form shown again over a limit (a cap, a sign-in pause): ``429`` with
    ``Retry-After``, as the API answers; any other refusal is left as it is."""
    wait = getattr(exc, "retry_after_seconds", None)
    if exc.status == 429 and wait is not None:
        response.status_code = 429
        response.headers["Retry-After"] = str(wait)
    return response
