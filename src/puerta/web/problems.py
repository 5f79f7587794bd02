"""Errors as RFC 9457 problem+json, rendered in the reader's language.

One path for every error: a domain error (``puerta.errors``), a request that
fails validation, a route or method that does not exist, and the unexpected.
The body carries the stable ``code`` and typed ``params`` beside the rendered
``title`` and ``detail``, so a client can act on the code and a person can
read the detail; ``type`` is the problem's category, the same whichever layer
raised it.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import psycopg
import psycopg_pool
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from puerta.errors import (
    BY_STATUS,
    INTERNAL,
    INVALID_INPUT,
    Category,
    InvalidValue,
    PuertaError,
    StoreUnavailable,
)
from puerta.i18n.message import REGISTRY, M, Message
from puerta.i18n.translate import json_params, render
from puerta.web import metrics
from puerta.web.language import is_staff_path, locale_of
from puerta.web.pages import page, wants_html

log = logging.getLogger("puerta.web")
MEDIA_TYPE = "application/problem+json"
#: The drivers' ways of saying the store did not answer: no connection free in time,
#: a connection lost (PostgreSQL restarting), SQLite's lock not had in time.
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    psycopg_pool.PoolTimeout,
    psycopg.OperationalError,
    sqlalchemy.exc.TimeoutError,
    sqlalchemy.exc.OperationalError,
)

#: Pydantic's error types, rendered through the catalog (``input.<type>``); the
#: placeholders are the names Pydantic puts in the error's ``ctx``.
INPUT_MESSAGES: dict[str, Message] = {
    m.code.removeprefix("input."): m
    for m in (
        M("input.missing", "This is required."),
        M("input.extra_forbidden", "This field is not expected."),
        M("input.string_type", "Enter text."),
        M("input.string_too_short", "Use at least {min_length} characters."),
        M("input.string_too_long", "Use at most {max_length} characters."),
        M("input.string_pattern_mismatch", "This is not in the expected form."),
        M("input.int_parsing", "Enter a whole number."),
        M("input.int_type", "Enter a whole number."),
        M("input.int_from_float", "Enter a whole number."),
        M("input.float_parsing", "Enter a number."),
        M("input.float_type", "Enter a number."),
        M("input.finite_number", "Enter a number."),
        M("input.greater_than_equal", "Enter a number of at least {ge}."),
        M("input.less_than_equal", "Enter a number of at most {le}."),
        M("input.greater_than", "Enter a number greater than {gt}."),
        M("input.less_than", "Enter a number less than {lt}."),
        M("input.bool_parsing", "Enter true or false."),
        M("input.bool_type", "Enter true or false."),
        M("input.date_parsing", "Enter a date as YYYY-MM-DD."),
        M("input.date_type", "Enter a date as YYYY-MM-DD."),
        M("input.date_from_datetime_parsing", "Enter a date as YYYY-MM-DD."),
        M("input.date_from_datetime_inexact", "Enter a date as YYYY-MM-DD, without a time."),
        M("input.datetime_parsing", "Enter a date and time."),
        M("input.datetime_type", "Enter a date and time."),
        M("input.time_parsing", "Enter a time as HH:MM."),
        M("input.literal_error", "Choose one of: {expected}."),
        M("input.enum", "Choose one of: {expected}."),
        M("input.too_short", "Give at least {min_length}."),
        M("input.too_long", "Give at most {max_length}."),
        M("input.list_type", "Give a list."),
        M("input.dict_type", "Give an object."),
        M("input.model_type", "Give an object."),
        M("input.model_attributes_type", "Give an object."),
        M("input.json_invalid", "The body is not valid JSON."),
        M("input.value_error", "This value is not valid."),
        M("input.invalid", "This value is not valid."),
    )
}
VALIDATION_SUMMARY = M("input.summary", "Please correct: {errors}")
FIELD_REASON = M("input.field_reason", "{field}: {reason}")
INTERNAL_ERROR = M("internal.error", "Please try again in a few minutes.")
HTTP_MESSAGES: dict[int, Message] = {
    400: M("http.bad_request", "The request could not be understood."),
    401: M("http.unauthorized", "Sign in first."),
    403: M("http.forbidden", "This is not allowed."),
    404: M("http.not_found", "There is nothing at this address."),
    405: M("http.method_not_allowed", "This address does not accept this method."),
    413: M("http.too_large", "The request is too large."),
    429: M("http.too_many", "Too many requests. Wait a moment and try again."),
}
HTTP_OTHER = M("http.error", "The request could not be done.")


def problem(
    request: Request,
    category: Category,
    message: Message,
    params: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The error as problem+json, or as a page for a browser that asked for one."""
    if wants_html(request) and category.status == 401 and is_staff_path(request.url.path):
        return staff_sign_in(request, message)
    if wants_html(request):
        return error_page(request, category, message, params, headers=headers)
    body, locale = problem_body(request, category, message, params)
    body.update({k: v for k, v in extra.items() if v is not None})
    out_headers = {**(headers or {}), "Content-Language": locale}
    return JSONResponse(
        body, status_code=category.status, media_type=MEDIA_TYPE, headers=out_headers
    )


#: What a person can do next, by HTTP status: the error page's list.
NEXT_STEPS: dict[int, tuple[Message, ...]] = {
    404: (M("page.next.check_address", "Check the address, or start again from the start page."),),
    403: (
        M(
            "page.next.forbidden",
            "This page is not for your account. Sign in with the account that can see it.",
        ),
    ),
    429: (
        M("page.next.wait_retry", "Wait {seconds} seconds, then try again."),
        M("page.next.no_cost", "Asking later in the day costs you nothing: the draw is the same."),
    ),
    503: (
        M("page.next.wait_retry", "Wait {seconds} seconds, then try again."),
        M("page.next.no_cost", "Asking later in the day costs you nothing: the draw is the same."),
    ),
    500: (
        M("page.next.retry_later", "Try again in a few minutes."),
        M(
            "page.next.report",
            "If it happens again, tell the people who help you with Puerta what you did.",
        ),
    ),
}
GENERIC_NEXT = (M("page.next.back", "Go back and try again."),)


def error_page(
    request: Request,
    category: Category,
    message: Message,
    params: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    """The same error as a page in the reader's language, with what to do next."""
    settings = request.app.state.settings
    locale, tz = locale_of(request), settings.timezone
    seconds = {"seconds": settings.retry_after_seconds}
    steps = NEXT_STEPS.get(category.status, GENERIC_NEXT)
    return page(
        request,
        "errors/error.html",
        {
            "title": render(category.title, locale=locale, tz=tz),
            "detail": render(message, params, locale=locale, tz=tz),
            "next_steps": [render(s, seconds, locale=locale, tz=tz) for s in steps],
        },
        status=category.status,
        headers={**(headers or {}), "Cache-Control": "no-store"},
    )


#: Where a staff page sends a browser that must sign in, or prove who it is again.
STAFF_SIGN_IN = "/staff/sign-in"
STAFF_CONFIRM = "/staff/confirm"
STAFF_SECOND_FACTOR = "/staff/second-factor"
#: Where a staff page's 401 sends the browser, by code (else: sign in).
STAFF_STEPS = {
    "staff.reauth_required": STAFF_CONFIRM,
    "staff.second_factor_required": STAFF_SECOND_FACTOR,
}
#: A session that was open and is not any more: the sign-in page says "You were signed out".
STAFF_ENDED = frozenset({"auth.session_ended", "staff.session_idle"})


def staff_sign_in(request: Request, message: Message) -> Response:
    """A staff page's 401 as a redirect: to sign in, or (``staff.reauth_required``) to
    confirm who they are, coming back to the page after (a form's GET, for a post)."""
    target = STAFF_STEPS.get(message.code, STAFF_SIGN_IN)
    back = request.url.path
    if request.method == "GET" and request.url.query:
        back += "?" + request.url.query
    query = {"ended": "1"} if message.code in STAFF_ENDED else {}
    return RedirectResponse(
        f"{target}?{urlencode({**query, 'next': back})}",
        status_code=303,
        headers={"Cache-Control": "no-store"},
    )


def problem_body(
    request: Request, category: Category, message: Message, params: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str]:
    """The RFC 9457 body in the reader's language, and that language."""
    locale = locale_of(request)
    tz = request.app.state.settings.timezone
    body: dict[str, Any] = {
        "type": f"/problems/{category.slug}",
        "title": render(category.title, locale=locale, tz=tz),
        "status": category.status,
        "detail": render(message, params, locale=locale, tz=tz),
        "code": message.code,
        "params": json_params(params or {}),
    }
    return body, locale


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header")]
    return ".".join(parts) or "body"


def input_error(error: dict[str, Any]) -> tuple[Message, dict[str, Any]]:
    """A Pydantic error as a catalog message and its parameters."""
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, InvalidValue):
        return cause.message, cause.params
    message = INPUT_MESSAGES.get(error.get("type", ""), INPUT_MESSAGES["invalid"])
    params = {k: v for k, v in ctx.items() if k in message.placeholders}
    return message, {k: params.get(k, "") for k in message.placeholders}


def is_unavailable(exc: Exception) -> bool:
    """Whether a driver error means "not now" rather than a bug: PostgreSQL's connection
    errors and pool timeouts, SQLite's lock not had in time."""
    if isinstance(exc, sqlalchemy.exc.OperationalError):
        cause = exc.orig
        if isinstance(cause, psycopg.OperationalError):
            return True
        text = str(cause).lower()
        return "locked" in text or "busy" in text
    return True


def install(app: FastAPI) -> None:
    @app.exception_handler(PuertaError)
    async def _domain(request: Request, exc: PuertaError) -> JSONResponse:
        wait = getattr(exc, "retry_after_seconds", None)
        headers = {"Retry-After": str(wait)} if wait is not None else None
        return problem(
            request, exc.category, exc.message, exc.params, headers=headers, field=exc.field
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        locale, tz = locale_of(request), request.app.state.settings.timezone
        errors = []
        for e in exc.errors():
            message, params = input_error(e)
            errors.append(
                {
                    "field": _field(tuple(e["loc"])),
                    "code": message.code,
                    "params": json_params(params),
                    "reason": render(message, params, locale=locale, tz=tz),
                }
            )
        lines = [
            render(FIELD_REASON, {"field": e["field"], "reason": e["reason"]}, locale=locale)
            for e in errors[:5]
        ]
        return problem(
            request, INVALID_INPUT, VALIDATION_SUMMARY, {"errors": "; ".join(lines)}, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        category = BY_STATUS.get(exc.status_code) or Category(
            exc.status_code, "error", REGISTRY["problem.bad-request"]
        )
        message = HTTP_MESSAGES.get(exc.status_code, HTTP_OTHER)
        return problem(request, category, message, headers=getattr(exc, "headers", None))

    async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
        if not is_unavailable(exc):
            raise exc  # a programming error (a write in a read-only transaction): a 500
        # No statement text or parameters in the log: they may hold personal data.
        route = metrics.route_of(request.scope) or "unmatched"
        log.warning("store unavailable on %s %s: %s", request.method, route, type(exc).__name__)
        seconds = request.app.state.settings.retry_after_seconds
        refusal = StoreUnavailable(seconds=seconds)
        return problem(
            request,
            refusal.category,
            refusal.message,
            refusal.params,
            headers={"Retry-After": str(seconds)},
        )

    for kind in STORE_UNAVAILABLE:
        app.add_exception_handler(kind, _store_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The route's template, not the path: no registration id or code in the log.
        route = metrics.route_of(request.scope) or "unmatched"
        log.exception("unexpected error on %s %s", request.method, route)
        return problem(request, INTERNAL, INTERNAL_ERROR)
