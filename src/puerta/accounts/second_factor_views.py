"""The second factor over the API: how an API client (or a test) signs a staff member in.

``POST /api/v1/sessions`` with a staff account's password gives a token whose session
opens nothing yet (``second_factor: "required"`` in the answer; any other call answers
401 ``staff.second_factor_required``); this endpoint takes the code and opens it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from puerta.accounts import second_factor
from puerta.accounts.models import Role
from puerta.accounts.schemas import SecondFactorCode, SecondFactorOut
from puerta.errors import (
    CsrfTokenWrong,
    SecondFactorLocked,
    SecondFactorNotEnrolled,
    SecondFactorReplayed,
    SecondFactorWrong,
    SessionEnded,
    SignInRequired,
    StaffOnly,
    StaffSessionIdle,
)
from puerta.web.deps import (
    Auth,
    BearerDep,
    ClockDep,
    DbSession,
    MailDep,
    RequestWork,
    SettingsDep,
    admit,
    authenticate,
    client_ip,
    credential_of,
    keep_staff_session,
)
from puerta.web.language import ACCOUNT_LANGUAGE
from puerta.web.openapi import raises

router = APIRouter(prefix="/api/v1", tags=["accounts"])
STAFF = frozenset({Role.OFFICER, Role.ANALYST, Role.ADMIN})


@raises(SignInRequired, SessionEnded, CsrfTokenWrong, StaffOnly, StaffSessionIdle)
def _pending_staff(request: Request, uow: RequestWork, clock: ClockDep, _bearer: BearerDep) -> Auth:
    """A staff session past its password, its second factor given or not."""
    auth = authenticate(uow.session, credential_of(request), request.method, clock)
    admit(auth.user, STAFF)
    keep_staff_session(request, uow, auth, clock, second_factor=False)
    request.scope[ACCOUNT_LANGUAGE] = auth.user.language
    return auth


_pending_staff.admits = STAFF  # type: ignore[attr-defined]
PendingStaff = Annotated[Auth, Depends(_pending_staff)]


@router.post("/sessions/current/second-factor")
@raises(SecondFactorWrong, SecondFactorReplayed, SecondFactorLocked, SecondFactorNotEnrolled)
def give_second_factor(
    body: SecondFactorCode,
    auth: PendingStaff,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
) -> SecondFactorOut:
    """Open a staff session with the 6-digit code of its authenticator app, or one of its
    recovery codes (each works once). A code of a time step already used is refused
    (``staff.second_factor_replayed``); wrong codes in a row lock the second factor for a
    while (``staff.second_factor_locked``, with ``Retry-After``) and mail the account's
    owner. An account with no second factor enrols on the staff pages first."""
    how = second_factor.give(
        db,
        auth=auth.session,
        user=auth.user,
        code=body.code,
        settings=settings,
        clock=clock,
        mail=mail,
        ip=client_ip(request),
    )
    return SecondFactorOut(method=how)  # type: ignore[arg-type]
