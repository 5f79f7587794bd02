"""Who is reading a staff page, and what a page may ask of them.

Staff pages (``/staff/…``) are read like the applicants' signed-in pages: the
session cookie, forms carrying the session's CSRF token in a field. What
differs is the answer to a signed-out or stale reader: a staff page sends
the browser to the staff sign-in (``problems`` turns a 401 on ``/staff`` into
a redirect), and a sensitive action asks the person to prove who they are
again (:func:`require_fresh`) when that was longer ago than
``staff_reauth_minutes``.

Each dependency here keeps the roles it admits (``admits``), like
``web.deps.require``, so the test that walks the routes reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from puerta.accounts import service as accounts_service
from puerta.accounts.models import AuthSession, Role, User
from puerta.audit import service as audit_service
from puerta.clock import Clock
from puerta.config import Settings
from puerta.db import UnitOfWork
from puerta.errors import OutsidePortScope, PortNotFound, ReauthRequired
from puerta.ports import service as ports_service
from puerta.ports.models import Port
from puerta.web.deps import (
    ClockDep,
    RequestWork,
    admit,
    authenticate,
    client_ip,
    credential_of,
    keep_staff_session,
)
from puerta.web.language import ACCOUNT_LANGUAGE

STAFF_ROLES = frozenset({Role.OFFICER, Role.ANALYST, Role.ADMIN})
ANALYST_ROLES = frozenset({Role.ANALYST, Role.ADMIN})
ADMIN_ROLES = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class StaffReader:
    """The signed-in staff member, their session, and the token their forms carry."""

    user: User
    session: AuthSession
    token: str
    ip: str | None

    @property
    def is_officer(self) -> bool:
        return self.user.role == Role.OFFICER.value

    @property
    def is_analyst(self) -> bool:
        return self.user.role in (Role.ANALYST.value, Role.ADMIN.value)

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN.value


@dataclass(frozen=True)
class StaffPort:
    """A port page's reader and the path's port, which is in their scope."""

    reader: StaffReader
    port: Port


def read_staff(
    request: Request,
    uow: UnitOfWork | Session,
    clock: Clock,
    admitted: frozenset[Role],
    *,
    second_factor: bool = True,
) -> StaffReader:
    """The reader of a staff page, or the coded refusal (401: sign in, give the second
    factor, or the session went idle; 403: not theirs). ``second_factor`` False admits a
    session whose second factor is not given yet (the second-factor and enrolment steps).

    Pass the request's unit of work (a bare session still works, at the cost of a
    second connection for the activity write of a read)."""
    db = uow.session if isinstance(uow, UnitOfWork) else uow
    auth = authenticate(db, credential_of(request), "GET", clock)  # forms: a field
    work = uow if isinstance(uow, UnitOfWork) else None
    keep_staff_session(request, work, auth, clock, second_factor=second_factor)  # then roles
    user = admit(auth.user, admitted)
    request.scope[ACCOUNT_LANGUAGE] = user.language
    return StaffReader(user, auth.session, auth.session.csrf_token, client_ip(request))


def _page(admitted: frozenset[Role]) -> Callable[..., StaffReader]:
    def check(request: Request, uow: RequestWork, clock: ClockDep) -> StaffReader:
        return read_staff(request, uow, clock, admitted)

    check.__name__ = "staff_page_" + "_".join(sorted(r.value for r in admitted))
    check.admits = admitted  # type: ignore[attr-defined]
    return check


def _port_page(
    port_code: str,
    request: Request,
    uow: RequestWork,
    clock: ClockDep,
) -> StaffPort:
    """The path's port for its own officers and for analysts and admins; the scope is
    checked before the port is looked up, so another port and no port read alike."""
    reader = read_staff(request, uow, clock, STAFF_ROLES)
    if not accounts_service.sees_port(reader.user, port_code):
        raise OutsidePortScope()
    return StaffPort(reader, ports_service.get_port(uow.session, port_code))


_port_page.admits = STAFF_ROLES  # type: ignore[attr-defined]


def _pending_page(request: Request, uow: RequestWork, clock: ClockDep) -> StaffReader:
    """A staff reader whose second factor may not be given yet: only the second-factor
    and enrolment steps take it."""
    return read_staff(request, uow, clock, STAFF_ROLES, second_factor=False)


_pending_page.admits = STAFF_ROLES  # type: ignore[attr-defined]

OfficerPage = Annotated[StaffReader, Depends(_page(STAFF_ROLES))]
AnalystPage = Annotated[StaffReader, Depends(_page(ANALYST_ROLES))]
AdminPage = Annotated[StaffReader, Depends(_page(ADMIN_ROLES))]
PortPage = Annotated[StaffPort, Depends(_port_page)]
#: The second-factor and enrolment steps: a staff session past its password only.
PendingStaffPage = Annotated[StaffReader, Depends(_pending_page)]
#: Raised by ``PortPage`` (for the docs of the refusals a port page can give).
PORT_REFUSALS = (OutsidePortScope, PortNotFound)


def proved_at(session: AuthSession) -> Any:
    """When the person behind ``session`` last proved who they are."""
    return session.reauth_at or session.second_factor_at or session.created_at


def require_fresh(reader: StaffReader, *, clock: Clock, settings: Settings) -> None:
    """Refuse a sensitive action (a review, a disposition) when the reader last proved
    who they are more than ``staff_reauth_minutes`` ago: a console left signed in on a
    shared desk must not confirm a finding for whoever sits down."""
    if clock.now() - proved_at(reader.session) > timedelta(minutes=settings.staff_reauth_minutes):
        raise ReauthRequired()


def audit(
    db: Session | Request,
    reader: StaffReader,
    action: str,
    subject_kind: str,
    subject_id: str | int,
    *,
    clock: Clock,
    port_code: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One row of the audit trail for what ``reader`` is doing, from where they are.

    ``db`` is the request's session on a write (the row commits with the change, or
    neither does). For a read (a GET page, whose unit of work is read-only) pass the
    ``Request``: the row is written and committed in a short transaction of its own
    before the page is returned, so personal data is never shown without its row.
    """
    values: dict[str, Any] = {
        "actor": reader.user,
        "action": action,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "port_code": port_code,
        "ip": reader.ip,
        "detail": detail,
        "clock": clock,
    }
    if isinstance(db, Session):
        audit_service.record(db, **values)
        return
    with db.app.state.db.session() as own:
        audit_service.record(own, **values)
