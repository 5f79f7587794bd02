"""Who is reading a signed-in page, and where a signed-out browser goes instead.

A page is read like a GET whatever its method: its form carries the session's
CSRF token in a field (a form cannot send the API's header), and the route checks
that field itself with :func:`puerta.web.forms.token_ok`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.errors import PuertaError
from puerta.web.deps import APPLICANTS, admit, authenticate, credential_of
from puerta.web.language import ACCOUNT_LANGUAGE


@dataclass(frozen=True)
class Reader:
    """The signed-in applicant, their session's id (a draft is kept under it) and the
    token the session's forms carry."""

    user: User
    session_id: int
    token: str


def signed_in(request: Request, db: Session, clock: Clock) -> Reader | None:
    """The signed-in applicant, or None (then: :func:`to_sign_in`)."""
    try:
        auth = authenticate(db, credential_of(request), "GET", clock)
        user = admit(auth.user, APPLICANTS)
    except PuertaError:
        return None
    request.scope[ACCOUNT_LANGUAGE] = user.language  # the account's language for this page
    return Reader(user, auth.session.id, auth.session.csrf_token)


def to_sign_in() -> RedirectResponse:
    return RedirectResponse("/sign-in", status_code=303)
