"""Request dependencies as Annotated aliases: DbSession, ClockDep, SettingsDep, CurrentUser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from puerta.accounts import service as accounts_service
from puerta.accounts.mail import MailSender, make_sender
from puerta.accounts.models import AuthSession, Role, User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation.liveness import LivenessProvider
from puerta.errors import ApplicantsOnly, CsrfTokenWrong, SignInRequired, StaffOnly
from puerta.registration.photos import PhotoStore

SESSION_COOKIE = "__Host-puerta_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _db(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the handler returns, else rolled back."""
    with request.app.state.db.unit_of_work() as uow:
        yield uow.session
        uow.commit()


def _clock(request: Request) -> Clock:
    return request.app.state.clock


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _photos(request: Request) -> PhotoStore:
    return request.app.state.photos


def _liveness(request: Request) -> LivenessProvider:
    return request.app.state.liveness


# scope="function": the commit happens before the response is sent, so a failed
# commit is an error response, never a success the store does not hold.
DbSession = Annotated[Session, Depends(_db, scope="function")]
ClockDep = Annotated[Clock, Depends(_clock)]
SettingsDep = Annotated[Settings, Depends(_settings)]
PhotoStoreDep = Annotated[PhotoStore, Depends(_photos)]
LivenessDep = Annotated[LivenessProvider, Depends(_liveness)]


def _mail(settings: SettingsDep, clock: ClockDep) -> MailSender:
    return make_sender(settings, clock)


MailDep = Annotated[MailSender, Depends(_mail)]


@dataclass(frozen=True)
class Auth:
    session: AuthSession
    user: User


def _auth(request: Request, db: DbSession, clock: ClockDep) -> Auth:
    """Bearer token (API clients) or session cookie (browsers, CSRF-checked on writes)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token, via_cookie = header[7:].strip(), False
    else:
        token, via_cookie = request.cookies.get(SESSION_COOKIE, ""), True
    if not token:
        raise SignInRequired()
    auth = accounts_service.session_for_token(db, token=token, clock=clock)
    if via_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or sent != auth.csrf_token:
            raise CsrfTokenWrong()
    user = db.get(User, auth.user_id)
    assert user is not None
    return Auth(auth, user)


AuthDep = Annotated[Auth, Depends(_auth)]


def _current_user(auth: AuthDep) -> User:
    return auth.user


CurrentUser = Annotated[User, Depends(_current_user)]


def _applicant(user: CurrentUser) -> User:
    if user.role != Role.APPLICANT.value:
        raise ApplicantsOnly()
    return user


def _staff(user: CurrentUser) -> User:
    if user.role == Role.APPLICANT.value:
        raise StaffOnly()
    return user


Applicant = Annotated[User, Depends(_applicant)]
Staff = Annotated[User, Depends(_staff)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
