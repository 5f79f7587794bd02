"""Account endpoints: sign up, verify, sign in and out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from puerta.accounts import second_factor, service, throttle
from puerta.accounts.mail import MailSender
from puerta.accounts.models import User
from puerta.accounts.schemas import (
    ForgotPassword,
    ResendCode,
    ResetPassword,
    SessionOut,
    SignIn,
    SignUp,
    UserOut,
    VerifyEmail,
)
from puerta.clock import Clock
from puerta.config import Settings
from puerta.db import Database
from puerta.errors import (
    AccountDeactivated,
    CodeAttemptsExhausted,
    CodeWrong,
    EmailTaken,
    PasswordTooCommon,
    PasswordTooLong,
    PasswordTooShort,
    SignInPaused,
    SignUpsCapped,
    WrongCredentials,
)
from puerta.i18n import M
from puerta.limits import caps
from puerta.limits.deps import LimitsDep
from puerta.limits.store import LimitStore
from puerta.pow import service as pow_service
from puerta.pow.views import ProofHeader
from puerta.web.deps import (
    SESSION_COOKIE,
    AuthDep,
    ClockDep,
    DatabaseDep,
    DbSession,
    MailDep,
    Public,
    SettingsDep,
    SignedIn,
    client_ip,
)
from puerta.web.language import locale_of, say
from puerta.web.openapi import raises

router = APIRouter(prefix="/api/v1", tags=["accounts"])
PASSWORD_RULES = (PasswordTooShort, PasswordTooLong, PasswordTooCommon)
RESEND_ACCEPTED = M(
    "account.resend_accepted",
    "If this address has an unverified account, a new code is on its way.",
)


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        role=user.role,
        port_code=user.port_code,
        language=user.language,
        email_verified=user.email_verified_at is not None,
    )


def create_account(
    database: Database,
    db: Session,
    body: SignUp,
    *,
    language: str,
    settings: Settings,
    clock: Clock,
    mail: MailSender,
    limits: LimitStore,
    ip: str | None,
    device: str | None,
    altcha: str | None,
) -> User:
    """Sign up, for the API and the pages alike, with a solved proof of work
    (``puerta.pow``) and within the caps (``limits.caps``).

    The proof is checked first (quick, no connection); a device or address over its cap
    is refused next, in a short read of its own and
    counting nothing, before argon2; argon2 runs while the request's unit of work has
    no connection yet; then the attempt is counted in that unit of work, so a refused
    or failed sign-up leaves neither an account nor a count.
    """
    kind = caps.SIGN_UP
    proof = pow_service.check(altcha, settings=settings, clock=clock)
    with database.read_only() as read:
        caps.precheck(limits, read, kind, settings=settings, now=clock.now(), ip=ip, device=device)
    password_hash = service.hash_new_password(body.password)
    pow_service.spend(db, proof)
    caps.enforce(limits, db, kind, settings=settings, now=clock.now(), ip=ip, device=device)
    return service.sign_up(
        db,
        email=body.email,
        password_hash=password_hash,
        language=language,
        settings=settings,
        clock=clock,
        mail=mail,
        ip=ip,
    )


@router.post("/accounts", status_code=status.HTTP_201_CREATED, dependencies=[Public])
@raises(EmailTaken, SignUpsCapped, *PASSWORD_RULES)
def sign_up(
    body: SignUp,
    request: Request,
    database: DatabaseDep,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    limits: LimitsDep,
    x_altcha: ProofHeader = None,
) -> UserOut:
    """Create an applicant account; a six-digit code is mailed to verify the address.

    Needs a solved proof of work (`GET /api/v1/challenge`) in `X-Altcha`. Capped per
    device (``device_id``) and per client address: over a cap, ``429`` with
    ``Retry-After`` (``limit.sign_ups``) and nothing written."""
    user = create_account(
        database,
        db,
        body,
        language=body.language or locale_of(request).replace("_", "-"),
        settings=settings,
        clock=clock,
        mail=mail,
        limits=limits,
        ip=client_ip(request),
        device=body.device_id,
        altcha=x_altcha,
    )
    return user_out(user)


@router.post("/accounts/verify", dependencies=[Public])
@raises(CodeWrong, CodeAttemptsExhausted)
def verify(body: VerifyEmail, db: DbSession, settings: SettingsDep, clock: ClockDep) -> UserOut:
    return user_out(
        service.verify_email(db, email=body.email, code=body.code, settings=settings, clock=clock)
    )


@router.post("/accounts/verify/resend", status_code=status.HTTP_202_ACCEPTED, dependencies=[Public])
def resend(
    body: ResendCode,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
) -> dict[str, str]:
    # One answer whether the address is unknown, verified, rate-limited or sent a code.
    service.resend_verification(db, email=body.email, settings=settings, clock=clock, mail=mail)
    return {"detail": say(request, RESEND_ACCEPTED)}


RESET_ACCEPTED = M(
    "account.reset_accepted",
    "If this address has an account, a code to change its password is on its way.",
)


@router.post(
    "/accounts/password/forgot", status_code=status.HTTP_202_ACCEPTED, dependencies=[Public]
)
def forgot_password(
    body: ForgotPassword,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
) -> dict[str, str]:
    """Mail a code to change the password; the same answer for every address."""
    service.request_reset(db, email=body.email, settings=settings, clock=clock, mail=mail)
    return {"detail": say(request, RESET_ACCEPTED)}


@router.post("/accounts/password/reset", dependencies=[Public])
@raises(CodeWrong, CodeAttemptsExhausted, *PASSWORD_RULES)
def reset_password(
    body: ResetPassword, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> UserOut:
    """Set a new password with the emailed code (the sign-up rules); other sessions end."""
    password_hash = service.hash_new_password(body.password)  # argon2, no connection yet
    user = service.reset_password(
        db,
        email=body.email,
        code=body.code,
        password_hash=password_hash,
        settings=settings,
        clock=clock,
    )
    return user_out(user)


def open_session(
    database: Database,
    db: Session,
    body: SignIn,
    settings: Settings,
    clock: Clock,
    mail: MailSender,
    ip: str | None,
) -> service.NewSession:
    """Sign in, for the API and the pages alike.

    A paused account or address is refused first (``throttle``), before any slow work.
    The hash is read in a short read of its own and argon2 runs holding no connection;
    only then does the request's unit of work take one, to open the session.
    """
    with database.read_only() as read:
        throttle.check(read, throttle.keys_for(body.email, ip), clock.now())
        stored = service.stored_hash(read, email=body.email)
    check = service.check_password(email=body.email, stored_hash=stored, password=body.password)
    return service.sign_in(db, check=check, settings=settings, clock=clock, mail=mail, ip=ip)


def keep_session(response: Response, new: service.NewSession, settings: Settings) -> None:
    """The session cookie: ``__Host-``, Secure, HttpOnly, SameSite=Lax, as long as the session."""
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=service.session_hours(settings, new.user) * 3600,
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )


def forget_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")


@router.post("/sessions", status_code=status.HTTP_201_CREATED, dependencies=[Public])
@raises(WrongCredentials, AccountDeactivated, SignInPaused)
def sign_in(
    body: SignIn,
    response: Response,
    database: DatabaseDep,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
    request: Request,
) -> SessionOut:
    """Sign in. A staff account's session then needs its second factor
    (``second_factor`` in the answer): ``POST /api/v1/sessions/current/second-factor``."""
    new = open_session(database, db, body, settings, clock, mail, client_ip(request))
    keep_session(response, new, settings)
    return SessionOut(
        token=new.token,
        csrf_token=new.csrf_token,
        expires_at=new.expires_at.isoformat(),
        user=user_out(new.user),
        second_factor=second_step(db, new.user, settings, clock),
    )


def second_step(db: Session, user: User, settings: Settings, clock: Clock) -> str | None:
    """What a new session of ``user`` needs before it opens anything: nothing (applicants,
    partners), ``required`` (a staff account's code), or ``enrol`` (a staff account with
    no second factor yet, whose unconfirmed one is made now for the enrolment page)."""
    if not second_factor.is_staff(user):
        return None
    if second_factor.is_enrolled(db, user.id):
        return "required"
    second_factor.begin_enrolment(db, user=user, settings=settings, clock=clock)
    return "enrol"


@router.delete("/sessions/current", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(
    _user: SignedIn, auth: AuthDep, response: Response, db: DbSession, clock: ClockDep
) -> Response:
    service.sign_out(db, auth=auth.session, clock=clock)
    forget_session(response)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.get("/me")
def me(user: SignedIn) -> UserOut:
    return user_out(user)
