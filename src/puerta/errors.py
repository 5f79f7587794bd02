"""Domain errors. Each carries an HTTP status and a stable type slug.

Services raise these; the web layer renders them as RFC 9457 problem+json and
the CLI prints them. The message is written for the person who made the
request, not for a developer.
"""

from __future__ import annotations

from typing import Any


class PuertaError(Exception):
    status: int = 400
    type_slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class InvalidInput(PuertaError):
    status = 422
    type_slug = "invalid-input"
    title = "Invalid input"


class NotFound(PuertaError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class Unauthenticated(PuertaError):
    status = 401
    type_slug = "unauthenticated"
    title = "Sign-in required"


class Forbidden(PuertaError):
    status = 403
    type_slug = "forbidden"
    title = "Not allowed"


class Conflict(PuertaError):
    status = 409
    type_slug = "conflict"
    title = "Conflict"


class InvalidTransition(Conflict):
    """A state change that the lifecycle does not allow from the current state."""

    type_slug = "invalid-transition"
    title = "Not possible in the current state"


class OutsideWindow(Conflict):
    type_slug = "outside-window"
    title = "Outside the request window"


class OutsideArea(PuertaError):
    status = 403
    type_slug = "outside-area"
    title = "Outside the eligible area"


class PayloadTooLarge(PuertaError):
    status = 413
    type_slug = "payload-too-large"
    title = "Too large"


class UnsupportedMedia(PuertaError):
    status = 415
    type_slug = "unsupported-media"
    title = "Unsupported file type"


class NoSeats(Conflict):
    type_slug = "no-seats"
    title = "No seats left"


class TooManyRequests(PuertaError):
    status = 429
    type_slug = "too-many-requests"
    title = "Too many attempts"
