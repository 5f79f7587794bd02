"""Errors as RFC 9457 problem+json: a type, a title, a detail, and the field at fault."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from puerta.errors import PuertaError

log = logging.getLogger("puerta.web")
MEDIA_TYPE = "application/problem+json"
_HTTP_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    429: "Too many requests",
}


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header")]
    return ".".join(parts) or "body"


def _reason(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def install(app: FastAPI) -> None:
    @app.exception_handler(PuertaError)
    async def _domain(_: Request, exc: PuertaError) -> JSONResponse:
        return problem(
            exc.status, exc.type_slug, exc.title, exc.detail, field=exc.field, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "reason": _reason(e)} for e in exc.errors()]
        summary = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return problem(
            422, "invalid-input", "Invalid input", f"Please correct: {summary}", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _HTTP_TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        return problem(exc.status_code, title.lower().replace(" ", "-"), title, detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(
            500, "internal", "Something went wrong", "Please try again in a few minutes."
        )
