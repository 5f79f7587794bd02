"""Accounts: sign-up, email verification, sessions, staff."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from puerta.accounts import passwords, throttle
from puerta.accounts.mail import MailSender
from puerta.accounts.models import AuthSession, EmailCode, Role, User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.errors import (
    AccountDeactivated,
    CodeAttemptsExhausted,
    CodeRecentlySent,
    CodeWrong,
    EmailAlreadyVerified,
    EmailTaken,
    NotAStaffRole,
    OfficerNeedsPort,
    PortOnlyForOfficers,
    SecondFactorRequired,
    SessionEnded,
    StaffSessionIdle,
    WrongCredentials,
)
from puerta.i18n import M, render
from puerta.ports import service as ports_service

CODE_MINUTES = 15
CODE_ATTEMPTS = 5
RESEND_SECONDS = 60
VERIFY = "verify-email"
RESET = "reset-password"
RESET_SUBJECT = M("mail.reset.subject", "Your Puerta password code")
RESET_BODY = M(
    "mail.reset.body",
    "Someone asked to change the password of your Puerta account. Your code is {code}. "
    "It works for {minutes} minutes. If it was not you, do nothing: your password stays "
    "the same.",
)
PAUSED_SUBJECT = M(
    "mail.sign_in_paused.subject", "Someone is trying to sign in to your Puerta account"
)
PAUSED_BODY = M(
    "mail.sign_in_paused.body",
    "Several wrong passwords were typed for your Puerta account, so signing in is paused "
    "for a few minutes.\n\n"
    "If it was you, wait a little and try again, or get a new password with "
    '"I forgot my password" on the sign-in page. If it was not you, your account is '
    "safe: get a new password anyway.\n\n"
    "Puerta is free. Nobody can sell you a better chance or ask you for money.",
)
VERIFY_SUBJECT = M("mail.verify.subject", "Your Puerta verification code")
VERIFY_BODY = M(
    "mail.verify.body",
    "Your code is {code}. It expires in {minutes} minutes.\n\n"
    "Puerta is free. Nobody can sell you a better chance or ask you for money.",
)


def _code_hash(settings: Settings, user_id: int, code: str) -> str:
    msg = f"{user_id}:{code}".encode()
    return hmac.new(settings.secret_key.encode(), msg, hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.lower()))


def hash_new_password(password: str) -> str:
    """Check the policy and hash with argon2: slow on purpose, so call it holding no
    connection (before the unit of work is first used)."""
    if (problem := passwords.problem_with(password)) is not None:
        raise problem
    return passwords.hash_password(password)


def sign_up(
    session: Session,
    *,
    email: str,
    password_hash: str,
    language: str,
    settings: Settings,
    clock: Clock,
    mail: MailSender,
    ip: str | None = None,
) -> User:
    """Create an applicant account and mail a verification code.

    ``password_hash`` comes from :func:`hash_new_password`, called before.
    """
    if find_user(session, email) is not None:
        raise EmailTaken(field="email")
    user = User(
        email=email.lower(),
        password_hash=password_hash,
        role=Role.APPLICANT.value,
        language=language,
        created_at=clock.now(),
        created_ip=ip,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent sign-up with the same email
        raise EmailTaken(field="email") from None
    send_verification(session, user=user, settings=settings, clock=clock, mail=mail)
    return user


def send_verification(
    session: Session, *, user: User, settings: Settings, clock: Clock, mail: MailSender
) -> None:
    if user.email_verified_at is not None:
        raise EmailAlreadyVerified(field="email")
    now = clock.now()
    if _code_sent_recently(session, user, now):
        raise CodeRecentlySent(seconds=RESEND_SECONDS)
    _mail_code(session, user, VERIFY, settings, now, mail)


#: The mail each purpose's code goes out in.
CODE_MAIL = {VERIFY: (VERIFY_SUBJECT, VERIFY_BODY), RESET: (RESET_SUBJECT, RESET_BODY)}


def _mail_code(
    session: Session,
    user: User,
    purpose: str,
    settings: Settings,
    now: datetime,
    mail: MailSender,
) -> None:
    """A new one-time code for ``purpose``: its hash kept, the code mailed."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        EmailCode(
            user_id=user.id,
            purpose=purpose,
            code_hash=_code_hash(settings, user.id, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            created_at=now,
        )
    )
    # Mail is an edge: it is rendered here, in the language the account chose.
    subject, body = CODE_MAIL[purpose]
    mail.send(
        session,
        to=user.email,
        subject=render(subject, locale=user.language),
        body=render(body, {"code": code, "minutes": CODE_MINUTES}, locale=user.language),
    )


def _code_sent_recently(session: Session, user: User, now: datetime, purpose: str = VERIFY) -> bool:
    """Whether a code for ``purpose`` went to ``user`` less than a minute ago."""
    recent = session.scalar(
        select(EmailCode)
        .where(EmailCode.user_id == user.id, EmailCode.purpose == purpose)
        .order_by(EmailCode.created_at.desc())
        .limit(1)
    )
    return recent is not None and now - recent.created_at < timedelta(seconds=RESEND_SECONDS)


def resend_verification(
    session: Session, *, email: str, settings: Settings, clock: Clock, mail: MailSender
) -> None:
    """Mail a new code when ``email`` has an unverified account that had none in the
    last minute; otherwise do nothing. Never raises for an unknown, verified or
    rate-limited address, so the caller's answer cannot tell which addresses exist."""
    user = find_user(session, email)
    if user is None or user.email_verified_at is not None:
        return
    if _code_sent_recently(session, user, clock.now()):
        return
    send_verification(session, user=user, settings=settings, clock=clock, mail=mail)


def verify_email(
    session: Session, *, email: str, code: str, settings: Settings, clock: Clock
) -> User:
    user = find_user(session, email)
    if user is None:
        raise CodeWrong(field="code")
    if user.email_verified_at is not None:
        return user
    now = clock.now()
    _use_code(session, user, VERIFY, code, settings, now)
    user.email_verified_at = now
    return user


def _use_code(
    session: Session, user: User, purpose: str, code: str, settings: Settings, now: datetime
) -> None:
    """Spend ``user``'s latest live code for ``purpose`` if ``code`` is it; else refuse."""
    wrong = CodeWrong(field="code")
    pending = session.scalar(
        select(EmailCode)
        .where(EmailCode.user_id == user.id, EmailCode.purpose == purpose)
        .where(EmailCode.used_at.is_(None), EmailCode.expires_at > now)
        .order_by(EmailCode.created_at.desc())
        .limit(1)
    )
    if pending is None:
        raise wrong
    if pending.attempts >= CODE_ATTEMPTS:
        raise CodeAttemptsExhausted(field="code")
    if not hmac.compare_digest(pending.code_hash, _code_hash(settings, user.id, code)):
        pending.attempts += 1
        raise wrong
    pending.used_at = now


def request_reset(
    session: Session, *, email: str, settings: Settings, clock: Clock, mail: MailSender
) -> None:
    """Mail a password-reset code to an active account, at most one a minute.

    Never raises and does the same for an unknown address, so that the answer
    cannot tell which addresses have accounts.
    """
    user = find_user(session, email)
    now = clock.now()
    if user is None or not user.is_active or _code_sent_recently(session, user, now, RESET):
        return
    _mail_code(session, user, RESET, settings, now, mail)


def reset_password(
    session: Session,
    *,
    email: str,
    code: str,
    password_hash: str,
    settings: Settings,
    clock: Clock,
) -> User:
    """Set a new password with the emailed code (``password_hash`` from
    :func:`hash_new_password`, the sign-up rules); every open session ends.

    The code proves the address too, so an unverified account becomes verified.
    """
    user = find_user(session, email)
    if user is None or not user.is_active:
        raise CodeWrong(field="code")
    now = clock.now()
    _use_code(session, user, RESET, code, settings, now)
    user.password_hash = password_hash
    if user.email_verified_at is None:
        user.email_verified_at = now
    for open_session in session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    ):
        open_session.revoked_at = now
    throttle.forget(session, throttle.account_key(user.email))  # a pause ends here
    return user


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: datetime
    user: User


@dataclass(frozen=True)
class PasswordCheck:
    """What argon2 said about a password, worked out holding no connection."""

    email: str
    stored_hash: str | None
    matches: bool
    #: A new hash when the stored one used older parameters.
    rehash: str | None = None


def session_hours(settings: Settings, user: User) -> int:
    """Applicants' sessions outlast a request window, so nobody must sign in when it opens."""
    if user.role == Role.APPLICANT.value:
        return settings.applicant_session_hours
    return settings.session_hours


def stored_hash(session: Session, *, email: str) -> str | None:
    """The account's password hash, read in a short read of its own before argon2."""
    return session.scalar(select(User.password_hash).where(User.email == email.lower()))


def check_password(*, email: str, stored_hash: str | None, password: str) -> PasswordCheck:
    """Verify with argon2 (slow on purpose: call it holding no connection).

    An unknown address is checked against a dummy hash, so that timing does not
    tell which addresses have accounts.
    """
    if stored_hash is None:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        return PasswordCheck(email, None, matches=False)
    if not passwords.verify_password(stored_hash, password):
        return PasswordCheck(email, stored_hash, matches=False)
    rehash = passwords.hash_password(password) if passwords.needs_rehash(stored_hash) else None
    return PasswordCheck(email, stored_hash, matches=True, rehash=rehash)


def sign_in(
    session: Session,
    *,
    check: PasswordCheck,
    settings: Settings,
    clock: Clock,
    mail: MailSender,
    ip: str | None = None,
) -> NewSession:
    """Open a session for the account ``check`` (from :func:`check_password`) verified.

    The hash is compared again: one changed since it was read is a wrong password. A
    wrong password is counted against the account and the address (``throttle``);
    the account's first pause is mailed to its owner, in their language.
    """
    user = find_user(session, check.email)
    now = clock.now()
    if user is None or not check.matches or user.password_hash != check.stored_hash:
        _count_wrong_password(session, check.email, user, ip, now, mail)
        raise WrongCredentials()
    if not user.is_active:
        raise AccountDeactivated()
    if check.rehash is not None:
        user.password_hash = check.rehash
    throttle.forget(session, throttle.account_key(user.email))
    token = secrets.token_urlsafe(32)
    auth = AuthSession(
        token_hash=token_hash(token),
        csrf_token=secrets.token_urlsafe(24),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(hours=session_hours(settings, user)),
    )
    session.add(auth)
    session.flush()
    return NewSession(token, auth.csrf_token, auth.expires_at, user)


def _count_wrong_password(
    session: Session, email: str, user: User | None, ip: str | None, now: datetime, mail: MailSender
) -> None:
    """Count a wrong password against the account and the address; mail the account's
    owner at its first pause, in their language."""
    if throttle.record_failure(session, throttle.keys_for(email, ip), now) and user:
        mail.send(
            session,
            to=user.email,
            subject=render(PAUSED_SUBJECT, locale=user.language),
            body=render(PAUSED_BODY, locale=user.language),
        )


def confirm_password(
    session: Session,
    *,
    user: User,
    check: PasswordCheck,
    clock: Clock,
    mail: MailSender,
    ip: str | None = None,
) -> None:
    """A signed-in person's password again (staff re-authentication), counted like a
    sign-in's: a wrong one pauses the account and the address (``throttle``), so a
    console left open is no way to guess its password. ``throttle.check`` comes first,
    before argon2."""
    if not check.matches or user.password_hash != check.stored_hash:
        _count_wrong_password(session, user.email, user, ip, clock.now(), mail)
        raise WrongCredentials(field="password")


def session_for_token(session: Session, *, token: str, clock: Clock) -> AuthSession:
    auth = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
    if auth is None or auth.revoked_at is not None or auth.expires_at <= clock.now():
        raise SessionEnded()
    user = session.get(User, auth.user_id)
    if user is None or not user.is_active:
        raise SessionEnded()
    return auth


#: A staff session's ``last_seen_at`` is written at most this often (``web.deps``).
TOUCH_EVERY = timedelta(minutes=1)


def check_staff_session(
    auth: AuthSession, *, now: datetime, settings: Settings, second_factor: bool = True
) -> None:
    """Refuse a staff session that may open nothing now: idle for longer than
    ``staff_idle_minutes`` (a console left open on a shared desk), or, unless
    ``second_factor`` is False (the second-factor step itself), one whose second factor
    is not given yet. The absolute lifetime is ``expires_at`` (:func:`session_for_token`)."""
    seen = auth.last_seen_at or auth.created_at
    if now - seen > timedelta(minutes=settings.staff_idle_minutes):
        raise StaffSessionIdle(minutes=settings.staff_idle_minutes)
    if second_factor and auth.second_factor_at is None:
        raise SecondFactorRequired()


def needs_touch(auth: AuthSession, now: datetime) -> bool:
    """Whether the session's ``last_seen_at`` is stale enough to write again."""
    return auth.last_seen_at is None or now - auth.last_seen_at >= TOUCH_EVERY


def touch(session: Session, *, session_id: int, now: datetime) -> None:
    """Record a staff session's activity (for the idle timeout)."""
    session.execute(
        update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now)
    )


def sees_port(user: User, port_code: str) -> bool:
    """Port scope: officers see only their own port; analysts and admins see all ports."""
    if user.role in (Role.ANALYST.value, Role.ADMIN.value):
        return True
    return user.role == Role.OFFICER.value and user.port_code == port_code.upper()


def sign_out(_session: Session, *, auth: AuthSession, clock: Clock) -> None:
    auth.revoked_at = clock.now()


def create_staff(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    port_code: str | None,
    clock: Clock,
) -> User:
    """Staff accounts are made by an operator, verified from the start. (Partner accounts
    belong to an organisation: ``puerta.partners.service.create_partner_user``.)"""
    if role in (Role.APPLICANT, Role.PARTNER):
        raise NotAStaffRole(field="role")
    if role == Role.OFFICER:
        if not port_code:
            raise OfficerNeedsPort(field="port")
        port_code = ports_service.get_port(session, port_code).code
    elif port_code:
        raise PortOnlyForOfficers(field="port")
    if (problem := passwords.problem_with(password)) is not None:
        raise problem
    if find_user(session, email) is not None:
        raise EmailTaken(field="email")
    now = clock.now()
    user = User(
        email=email.lower(),
        password_hash=passwords.hash_password(password),
        role=role.value,
        port_code=port_code,
        created_at=now,
        email_verified_at=now,
    )
    session.add(user)
    session.flush()
    return user
