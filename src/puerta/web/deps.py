"""Request dependencies as Annotated aliases: sessions, access, clock, settings.

**Sessions.** A request has one unit of work, opened on first use and shared by
everything that needs the store in it (the sign-in check, the access checks,
the route). GET and HEAD requests get a read-only one: no write lock, and a
write fails loudly. A route says which it expects: ``ReadSession`` on GET and
HEAD routes, ``DbSession`` (committed before the response is sent) on the
others; declaring the wrong one is a programming error raised on first use,
and a test walks the routes so that it never ships.

**Access.** Every route declares who may call it, as Netflix/dispatch's
``PermissionsDependency`` does, with one of these (a test walks ``app.routes``
and fails on a route that declares none):

- ``dependencies=[Public]``: anyone, signed in or not;
- ``SignedIn``: any signed-in account (anonymous: 401);
- ``Applicant``: applicants, for their own registrations;
- ``Partner``: partner organisations' accounts, for what their organisation submitted;
- ``Officer``: port staff and above (officers, analysts, admins);
- ``Analyst``: analysts and admins;
- ``Admin``: admins;
- ``PortScope``: the ``port_code`` of the path, resolved to the port, for
  officers of that port and for analysts and admins.

Each check runs before the route's own lookups, so a caller who may not use a
route gets the same 403 whether the thing they name exists or not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from puerta.accounts import service as accounts_service
from puerta.accounts.mail import MailSender, make_sender
from puerta.accounts.models import AuthSession, Role, User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.db import Database, UnitOfWork
from puerta.errors import (
    AdminsOnly,
    AnalystsOnly,
    ApplicantsOnly,
    CsrfTokenWrong,
    OutsidePortScope,
    PartnersOnly,
    PortNotFound,
    PuertaError,
    SecondFactorRequired,
    SessionEnded,
    SignInRequired,
    StaffOnly,
    StaffSessionIdle,
)
from puerta.ports import service as ports_service
from puerta.ports.models import Port
from puerta.statements import Statements
from puerta.web.language import ACCOUNT_LANGUAGE
from puerta.web.openapi import raises

SESSION_COOKIE = "__Host-puerta_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Requests whose unit of work is read-only.
READ_METHODS = frozenset({"GET", "HEAD"})


# --- the unit of work ----------------------------------------------------------------------


#: Scope key a page sets when it shows a refusal instead of raising it (a form shown
#: again with the reason): the request's work is then rolled back, not committed.
REFUSED = "puerta.refused"


def refuse(request: Request) -> None:
    """Roll this request's work back although the route returns normally (see REFUSED)."""
    request.scope[REFUSED] = True


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    """One unit of work per request: read-only for GET and HEAD, else committed on return,
    unless the route refused (a page that shows a domain error rather than raising it)."""
    read_only = request.method in READ_METHODS
    with request.app.state.db.unit_of_work(read_only=read_only) as uow:
        yield uow
        if not read_only and not request.scope.get(REFUSED):
            uow.commit()


# scope="function": the commit happens before the response is sent, so a failed
# commit is an error response, never a success the store does not hold.
RequestWork = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]


class SessionMisdeclared(RuntimeError):
    """A route declared the session of the other kind: a programming error, not a 4xx."""


def _read_session(request: Request, uow: RequestWork) -> Session:
    if not uow.read_only:
        raise SessionMisdeclared(f"{request.method} route declares ReadSession: use DbSession")
    return uow.session


def _write_session(request: Request, uow: RequestWork) -> Session:
    if uow.read_only:
        raise SessionMisdeclared(f"{request.method} route declares DbSession: use ReadSession")
    return uow.session


ReadSession = Annotated[Session, Depends(_read_session)]
DbSession = Annotated[Session, Depends(_write_session)]


# --- what the application holds --------------------------------------------------------------


# ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a hop
# that costs more than reading an attribute.
async def _database(request: Request) -> Database:
    return request.app.state.db


async def _clock(request: Request) -> Clock:
    return request.app.state.clock


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _statements(request: Request) -> Statements:
    return request.app.state.statements


#: The store itself, for a short unit of work of a route's own before the request's
#: (sign-in reads the hash, then runs argon2 holding no connection).
DatabaseDep = Annotated[Database, Depends(_database)]
ClockDep = Annotated[Clock, Depends(_clock)]
SettingsDep = Annotated[Settings, Depends(_settings)]
#: The hot path's one-statement store (``puerta.statements``).
StatementsDep = Annotated[Statements, Depends(_statements)]


def _mail(settings: SettingsDep, clock: ClockDep) -> MailSender:
    return make_sender(settings, clock)


MailDep = Annotated[MailSender, Depends(_mail)]


# --- who is asking -------------------------------------------------------------------------


@dataclass(frozen=True)
class Auth:
    session: AuthSession
    user: User


@dataclass(frozen=True)
class Credential:
    """What the caller presented: a bearer token, or the session cookie and a CSRF header."""

    token: str
    via_cookie: bool
    csrf_sent: str

    @property
    def token_hash(self) -> str:
        return accounts_service.token_hash(self.token)

    def csrf_for(self, method: str) -> str | None:
        """The CSRF token a write through the cookie must match (None: nothing to match)."""
        return self.csrf_sent if self.via_cookie and method not in SAFE_METHODS else None


def credential_of(request: Request) -> Credential:
    """Bearer token (API clients) or session cookie (browsers); none at all: 401."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token, via_cookie = header[7:].strip(), False
    else:
        token, via_cookie = request.cookies.get(SESSION_COOKIE, ""), True
    if not token:
        raise SignInRequired()
    return Credential(token, via_cookie, request.headers.get(CSRF_HEADER, ""))


def authenticate(db: Session, credential: Credential, method: str, clock: Clock) -> Auth:
    """The session and account behind ``credential``; a cookie write must carry the CSRF token."""
    auth = accounts_service.session_for_token(db, token=credential.token, clock=clock)
    expected = credential.csrf_for(method)
    if expected is not None and (not expected or expected != auth.csrf_token):
        raise CsrfTokenWrong()
    user = db.get(User, auth.user_id)
    assert user is not None
    return Auth(auth, user)


#: Declares the bearer scheme in the OpenAPI document, so that /docs can "Authorize";
#: the token itself is read by :func:`credential_of` (a cookie works as well).
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="session",
    description="The token of POST /api/v1/sessions. Browsers use the session cookie.",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


_STAFF_VALUES = frozenset({Role.OFFICER.value, Role.ANALYST.value, Role.ADMIN.value})


def keep_staff_session(
    request: Request,
    uow: UnitOfWork | None,
    auth: Auth,
    clock: Clock,
    *,
    second_factor: bool = True,
) -> None:
    """A staff session's own rules, checked after :func:`authenticate`: it ends after
    ``staff_idle_minutes`` without a request, and opens nothing until its second factor
    is given (``second_factor`` False: the second-factor step itself). Applicants' and
    partners' sessions pass untouched: one comparison, no statement.

    Activity is written at most once a minute (``accounts.service.TOUCH_EVERY``): on a
    write request in its own unit of work; on a read, whose unit of work is read-only,
    in a short write of its own, after the read's connection is given back
    (``uow.release``), so that the request never holds two connections at once.
    """
    if auth.user.role not in _STAFF_VALUES:
        return
    now = clock.now()
    settings: Settings = request.app.state.settings
    accounts_service.check_staff_session(
        auth.session, now=now, settings=settings, second_factor=second_factor
    )
    if not accounts_service.needs_touch(auth.session, now):
        return
    read_only = request.method in READ_METHODS if uow is None else uow.read_only
    if read_only:
        session_id = auth.session.id
        if uow is not None:
            uow.release()
        with request.app.state.db.session() as own:
            accounts_service.touch(own, session_id=session_id, now=now)
    else:
        auth.session.last_seen_at = now


@raises(SignInRequired, SessionEnded, CsrfTokenWrong, SecondFactorRequired, StaffSessionIdle)
def _auth(request: Request, uow: RequestWork, clock: ClockDep, _bearer: BearerDep) -> Auth:
    auth = authenticate(uow.session, credential_of(request), request.method, clock)
    keep_staff_session(request, uow, auth, clock)
    request.scope[ACCOUNT_LANGUAGE] = auth.user.language  # web/language.py: the choice order
    return auth


AuthDep = Annotated[Auth, Depends(_auth)]


def _current_user(auth: AuthDep) -> User:
    return auth.user


CurrentUser = Annotated[User, Depends(_current_user)]


# --- access: declared on every route ----------------------------------------------------------

_LEAST_FIRST = (Role.APPLICANT, Role.PARTNER, Role.OFFICER, Role.ANALYST, Role.ADMIN)
_STAFF_REFUSALS: dict[Role, type[PuertaError]] = {
    Role.OFFICER: StaffOnly,
    Role.ANALYST: AnalystsOnly,
    Role.ADMIN: AdminsOnly,
}


def refusal_for(role: Role, admitted: frozenset[Role]) -> PuertaError:
    """Why ``role`` may not use a route that admits ``admitted``, as a coded error.

    Applicants' routes say so to staff; staff routes tell an applicant they
    are for staff; a staff route for higher roles names the least it admits.
    """
    if Role.APPLICANT in admitted:
        return ApplicantsOnly()
    if Role.PARTNER in admitted:
        return PartnersOnly()
    if role in (Role.APPLICANT, Role.PARTNER):
        return StaffOnly()
    least = next(r for r in _LEAST_FIRST if r in admitted and r in _STAFF_REFUSALS)
    return _STAFF_REFUSALS[least]()


def admit(user: User, admitted: frozenset[Role]) -> User:
    """``user`` if their role is admitted, else the coded refusal."""
    role = Role(user.role)
    if role not in admitted:
        raise refusal_for(role, admitted)
    return user


def require(*roles: Role) -> Callable[[User], User]:
    """A dependency admitting the signed-in users whose role is one of ``roles``.

    The roles are kept on the dependency (``admitted_by``), so that tests can
    read every route's declared access from ``app.routes``.

    Example:
        >>> check = require(Role.ANALYST, Role.ADMIN)
        >>> sorted(admitted_by(check))
        ['admin', 'analyst']
    """
    admitted = frozenset(roles)

    def check(user: CurrentUser) -> User:
        return admit(user, admitted)

    check.__name__ = "require_" + "_".join(r.value for r in _LEAST_FIRST if r in admitted)
    check.admits = admitted  # type: ignore[attr-defined]
    refusals = {type(refusal_for(r, admitted)) for r in Role if r not in admitted}
    return raises(*sorted(refusals, key=lambda e: e.__name__))(check)


def _public() -> None:
    """Anyone, signed in or not."""


_public.admits = None  # type: ignore[attr-defined]


def is_access_check(call: Callable[..., Any] | None) -> bool:
    return hasattr(call, "admits")


def admitted_by(call: Callable[..., Any]) -> frozenset[Role] | None:
    """The roles an access dependency admits; None for ``Public`` (anyone)."""
    return call.admits  # type: ignore[attr-defined]


@raises(SignInRequired, SessionEnded, CsrfTokenWrong, ApplicantsOnly)
async def _hot_applicant(request: Request, _bearer: BearerDep) -> Credential:
    """Applicants, for their own registrations, checked inside the route's one statement.

    The hot path's routes (``puerta.statements``) take the caller's credential
    here, holding no connection and no thread; their statement admits only a
    live session of an active applicant who owns the registration, and when it
    finds no row the route's ORM path (:func:`authenticate`, :func:`admit`)
    gives the same 401, 403 or 404 as ``Applicant``.
    """
    return credential_of(request)


_hot_applicant.admits = frozenset({Role.APPLICANT})  # type: ignore[attr-defined]

Public = Depends(_public)
SignedIn = Annotated[User, Depends(require(*Role))]
Applicant = Annotated[User, Depends(require(Role.APPLICANT))]
Partner = Annotated[User, Depends(require(Role.PARTNER))]
Officer = Annotated[User, Depends(require(Role.OFFICER, Role.ANALYST, Role.ADMIN))]
Analyst = Annotated[User, Depends(require(Role.ANALYST, Role.ADMIN))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]
HotApplicant = Annotated[Credential, Depends(_hot_applicant)]
APPLICANTS = frozenset({Role.APPLICANT})


@raises(OutsidePortScope, PortNotFound)
def _port_in_scope(port_code: str, user: Officer, uow: RequestWork) -> Port:
    """The path's port, for its own officers and for analysts and admins.

    The scope is checked before the port is looked up: an officer gets the same
    403 for another port and for a code that names no port.
    """
    if not accounts_service.sees_port(user, port_code):
        raise OutsidePortScope()
    return ports_service.get_port(uow.session, port_code)


PortScope = Annotated[Port, Depends(_port_in_scope)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
