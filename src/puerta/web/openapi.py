"""The OpenAPI document says every error an operation can give, as the app gives it.

FastAPI documents the success and a 422 in its own shape; Puerta answers every error
as problem+json (``web/problems.py``). This module post-processes the generated document
once, in one place, so that every operation, including ones added later, lists the
statuses and codes it can really answer, each as ``application/problem+json`` with the
``Problem`` schema, the codes it can carry (``code`` is an enum per status) and its
headers (``Content-Language``, ``Retry-After``).

Where each operation's errors come from:

- **declared**: ``@raises(ErrorClass, ...)`` on a route, or on any dependency in its tree
  (the sign-in check declares 401 and 403, the port scope its 403 and 404). The walk
  follows every dependency, so a new dependency that raises declares it once and every
  route using it is covered;
- **derived** from the operation's shape: parameters or a body: 422 with the per-field
  ``errors`` (``input.summary``); a path parameter: 404 (``http.not_found``: a value that
  makes the path name no route); a body: 400 (``http.bad_request``: a body that cannot be
  read at all, such as JSON that is not UTF-8 or a broken multipart body);
- **everywhere**: 503 with ``Retry-After`` (admission control sheds any request,
  ``web/admission.py``; a store that does not answer, ``store.unavailable``).

A 500 is never declared: it is a bug (Schemathesis' ``not_a_server_error`` fails on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from puerta.errors import BY_STATUS, SERVICE_BUSY, CsrfTokenWrong, PuertaError, StoreUnavailable

MEDIA_TYPE = "application/problem+json"
#: The attribute ``raises`` sets on a route's function or a dependency.
DECLARED = "declared_errors"
#: Codes that do not come from an error class (routing, validation, admission control).
VALIDATION_CODE = "input.summary"
ROUTING_NOT_FOUND = "http.not_found"
BODY_UNPARSABLE = "http.bad_request"
BUSY_CODE = "rush.busy"

F = TypeVar("F", bound=Callable[..., Any])
#: Errors a GET or HEAD never gives (the CSRF token is checked on writes only).
WRITES_ONLY: frozenset[type[PuertaError]] = frozenset({CsrfTokenWrong})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def raises(*errors: type[PuertaError]) -> Callable[[F], F]:
    """Declare the coded errors a route or a dependency can raise, for the OpenAPI document.

    Example:
        >>> from puerta.errors import FindingNotFound
        >>> @raises(FindingNotFound)
        ... def get_finding(finding_id: int) -> None: ...
        >>> [e.__name__ for e in declared_by(get_finding)]
        ['FindingNotFound']
    """

    def mark(fn: F) -> F:
        setattr(fn, DECLARED, (*declared_by(fn), *errors))
        return fn

    return mark


def declared_by(call: Callable[..., Any] | None) -> tuple[type[PuertaError], ...]:
    return getattr(call, DECLARED, ()) if call is not None else ()


def _tree(dependant: Dependant) -> Iterator[Dependant]:
    """The route's own dependant and every dependency under it."""
    yield dependant
    for sub in dependant.dependencies:
        yield from _tree(sub)


class Errors:
    """An operation's possible errors: codes by status, and which statuses always carry
    ``Retry-After`` (an error class with ``retry_after_seconds``, or admission control)."""

    def __init__(self) -> None:
        self.codes: dict[int, set[str]] = {}
        self.retry_after: dict[int, bool] = {}

    def add(self, status: int, code: str, *, retry_after: bool = False) -> None:
        self.codes.setdefault(status, set()).add(code)
        self.retry_after[status] = self.retry_after.get(status, True) and retry_after

    def add_error(self, error: type[PuertaError]) -> None:
        retry = isinstance(getattr(error, "retry_after_seconds", None), property)
        self.add(error.category.status, error.message.code, retry_after=retry)


def errors_of(route: APIRoute | RouteContext, method: str) -> Errors:
    """Everything ``method`` on ``route`` can answer besides its success (see the module's
    docstring)."""
    found = Errors()
    tree = list(_tree(route.dependant))
    for dependant in tree:
        for error in declared_by(dependant.call):
            if not (method in SAFE_METHODS and error in WRITES_ONLY):
                found.add_error(error)
    path = [f for d in tree for f in d.path_params]
    body = [f for d in tree for f in d.body_params]
    others = [f for d in tree for f in (*d.query_params, *d.header_params, *d.cookie_params)]
    if path or body or others:
        found.add(422, VALIDATION_CODE)
    if path:
        found.add(404, ROUTING_NOT_FOUND)
    if body:  # not UTF-8 JSON, a multipart body that cannot be parsed
        found.add(400, BODY_UNPARSABLE)
    for code in (BUSY_CODE, StoreUnavailable.message.code):  # both send Retry-After
        found.add(SERVICE_BUSY.status, code, retry_after=True)
    return found


PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": "RFC 9457 problem details, in the reader's language (Content-Language). "
        "Act on `code` and `params`; show `detail` to the person.",
        "type": "object",
        "required": ["type", "title", "status", "detail", "code", "params"],
        "properties": {
            "type": {
                "type": "string",
                "description": "The problem's category: `/problems/<slug>`.",
                "examples": ["/problems/not-found"],
            },
            "title": {"type": "string", "description": "The category's title."},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "What happened, for the person."},
            "code": {"type": "string", "description": "Stable: never reworded or reused."},
            "params": {
                "type": "object",
                "additionalProperties": True,
                "description": "The message's typed parameters, as JSON values.",
            },
            "field": {"type": "string", "description": "The one field at fault, if any."},
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/FieldProblem"},
                "description": "Validation (`input.summary`): each field with its own code.",
            },
        },
    },
    "FieldProblem": {
        "title": "FieldProblem",
        "type": "object",
        "required": ["field", "code", "params", "reason"],
        "properties": {
            "field": {"type": "string", "examples": ["travelers.1.phone"]},
            "code": {"type": "string", "examples": ["value.phone"]},
            "params": {"type": "object", "additionalProperties": True},
            "reason": {"type": "string"},
        },
    },
}

HEADERS: dict[str, Any] = {
    "Content-Language": {
        "description": "The language `title` and `detail` are written in.",
        "required": True,
        "schema": {"type": "string"},
    },
}
RETRY_AFTER: dict[str, Any] = {
    "description": "Seconds to wait before asking again.",
    "schema": {"type": "integer", "minimum": 0},
}


def problem_response(status: int, codes: Iterable[str], *, retry_after: bool) -> dict[str, Any]:
    """The response object for one status: the Problem schema narrowed to its codes."""
    ordered = sorted(codes)
    category = BY_STATUS.get(status) or SERVICE_BUSY
    headers = dict(HEADERS)
    if status in (429, 503):
        headers["Retry-After"] = {**RETRY_AFTER, "required": retry_after}
    return {
        "description": f"{category.title.text}: " + ", ".join(f"`{c}`" for c in ordered),
        "headers": headers,
        "content": {
            MEDIA_TYPE: {
                "schema": {
                    "allOf": [{"$ref": "#/components/schemas/Problem"}],
                    "properties": {"status": {"const": status}, "code": {"enum": ordered}},
                }
            }
        },
    }


def document_errors(doc: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """``doc`` (FastAPI's document) with every operation's errors, FastAPI's 422 replaced."""
    paths = doc.get("paths", {})
    for route in iter_route_contexts(list(routes)):  # as mounted: prefixes, routers' deps
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            found = errors_of(route, method)
            responses = operation.setdefault("responses", {})
            for status in sorted(found.codes):
                responses[str(status)] = problem_response(
                    status, found.codes[status], retry_after=found.retry_after[status]
                )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(PROBLEM_SCHEMAS)
    return doc


def install(app: FastAPI) -> None:
    """Build the document once, with the errors, when it is first asked for."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
