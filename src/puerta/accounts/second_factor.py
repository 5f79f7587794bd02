"""The staff's second factor: TOTP codes (RFC 6238) and one-time recovery codes.

Why a second factor for staff and not for applicants: a staff account reads the
personal data and photos of every traveler of its port (an analyst's, of all ports),
so a password phished or read off a sticky note must not be enough. Applicants keep
their password alone: their account holds only their own family's data.

The rules, each tested in ``tests/accounts/test_second_factor.py``:

- **Enrolment** happens at the first sign-in: the password step makes an unconfirmed
  factor (:func:`begin_enrolment`), the page shows its secret as a QR code and as text,
  and one right code confirms it (:func:`enrol`), which also makes ten recovery codes,
  shown once and kept only as keyed hashes.
- **A code** is accepted for the current 30-second step and the one before and after
  (a phone's clock drifts); a code of a step at or before the last accepted one is a
  replay and refused, so a code seen over a shoulder is worth nothing once used.
- **A recovery code** works once, in place of a code, when the phone is lost.
- **Wrong codes** in a row (``staff_second_factor_attempts``) lock the factor for
  ``staff_second_factor_lock_minutes`` and mail the account's owner, as the password
  pauses do (``accounts.throttle``); a lock ends by itself, and an admin can reset the
  factor (:func:`reset`, ``puerta staff reset-second-factor``).

Every attempt is audited in the caller's transaction (the refusals keep their changes,
``errors.SecondFactorWrong.keeps_changes``), so the trail shows failed and locked
attempts as well as the ones that worked. Services never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from puerta.accounts import sealing
from puerta.accounts.mail import MailSender
from puerta.accounts.models import (
    AuthSession,
    Role,
    StaffRecoveryCode,
    StaffSecondFactor,
    User,
)
from puerta.audit import service as audit_service
from puerta.clock import Clock
from puerta.config import Settings
from puerta.errors import (
    SecondFactorEnrolled,
    SecondFactorLocked,
    SecondFactorNotEnrolled,
    SecondFactorReplayed,
    SecondFactorWrong,
)
from puerta.i18n import M, render

TOTP = "totp"
STEP_SECONDS = 30
#: Steps either side of now that are accepted: one (RFC 6238 section 5.2's advice).
DRIFT_STEPS = 1
RECOVERY_CODES = 10
#: Lower-case letters and digits that are not easily misread (no 0/o, 1/l/i).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ISSUER = "Puerta"
STAFF_ROLES = frozenset({Role.OFFICER.value, Role.ANALYST.value, Role.ADMIN.value})
LOCKED_SUBJECT = M(
    "staff.mail.second_factor_locked.subject", "Wrong codes were typed for your Puerta account"
)
LOCKED_BODY = M(
    "staff.mail.second_factor_locked.body",
    "Your password was typed right, then {attempts} wrong codes of your second factor, so "
    "the code step of your Puerta staff account is locked for {minutes} minutes.\n\n"
    "If it was you, wait and try again with a fresh code from your authenticator app. "
    "If it was not you, someone knows your password: change it now and tell your "
    "administrator.",
)


@dataclass(frozen=True)
class Attempt:
    """Who is giving a code, from where, and at which step (for the audit trail)."""

    user: User
    ip: str | None
    clock: Clock
    #: ``sign_in``, ``enrol`` or ``reauth``.
    purpose: str


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def _key(settings: Settings) -> bytes:
    return sealing.derive_key(settings.secret_key, "staff-second-factor")


def _context(user_id: int) -> str:
    return f"staff_second_factors:{user_id}:{TOTP}"


def factor_of(session: Session, user_id: int) -> StaffSecondFactor | None:
    return session.scalar(
        select(StaffSecondFactor).where(
            StaffSecondFactor.user_id == user_id, StaffSecondFactor.kind == TOTP
        )
    )


def is_enrolled(session: Session, user_id: int) -> bool:
    factor = factor_of(session, user_id)
    return factor is not None and factor.confirmed_at is not None


def secret_of(factor: StaffSecondFactor, settings: Settings) -> str:
    """The factor's base32 secret, unsealed (only the enrolment page shows it)."""
    return sealing.unseal(_key(settings), factor.secret_sealed, _context(factor.user_id))


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def _new_factor(
    session: Session, user: User, secret: str, settings: Settings, now: datetime
) -> StaffSecondFactor:
    factor = StaffSecondFactor(
        user_id=user.id,
        kind=TOTP,
        secret_sealed=sealing.seal(_key(settings), secret, _context(user.id)),
        created_at=now,
        failures=0,
    )
    session.add(factor)
    session.flush()
    return factor


def begin_enrolment(
    session: Session, *, user: User, settings: Settings, clock: Clock
) -> StaffSecondFactor:
    """The account's unconfirmed factor, made now if it has none (called at the password
    step, a write, so that the enrolment page is a read). One made before and never
    confirmed is kept: a QR code scanned and then abandoned still works next time."""
    factor = factor_of(session, user.id)
    if factor is not None:
        return factor
    return _new_factor(session, user, pyotp.random_base32(), settings, clock.now())


def enrol_with_secret(
    session: Session, *, user: User, secret: str, settings: Settings, clock: Clock
) -> StaffSecondFactor:
    """A confirmed factor with a known secret, no recovery codes: for the demo's public
    accounts (``puerta demo load``) and the tests' staff, never for a real account."""
    if factor_of(session, user.id) is not None:
        raise SecondFactorEnrolled()
    factor = _new_factor(session, user, secret, settings, clock.now())
    factor.confirmed_at = clock.now()
    return factor


def step_at(moment: datetime) -> int:
    """The TOTP time step of ``moment``.

    Example:
        >>> from datetime import UTC, datetime
        >>> step_at(datetime(1970, 1, 1, 0, 1, 5, tzinfo=UTC))
        2
    """
    return int(moment.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, typed: str, now: datetime) -> int | None:
    """The latest step near ``now`` whose code is ``typed`` (None: no step's is)."""
    totp = pyotp.TOTP(secret)
    current = step_at(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), typed):
            found = step
    return found


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def _recovery_hash(settings: Settings, user_id: int, code: str) -> str:
    msg = f"recovery:{user_id}:{_normalised(code)}".encode()
    return hmac.new(settings.secret_key.encode(), msg, hashlib.sha256).hexdigest()


def _new_recovery_codes(
    session: Session, user: User, settings: Settings, now: datetime
) -> list[str]:
    """Ten fresh codes (``abcde-fghjk``) in place of any the account had."""
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        session.add(
            StaffRecoveryCode(
                user_id=user.id, code_hash=_recovery_hash(settings, user.id, code), created_at=now
            )
        )
    return codes


def _audit(session: Session, attempt: Attempt, action: str, **detail: object) -> None:
    audit_service.record(
        session,
        actor=attempt.user,
        action=action,
        subject_kind="user",
        subject_id=attempt.user.id,
        ip=attempt.ip,
        detail={"step": attempt.purpose, **detail},
        clock=attempt.clock,
    )


def _failed(
    session: Session,
    factor: StaffSecondFactor,
    attempt: Attempt,
    settings: Settings,
    mail: MailSender,
    now: datetime,
) -> SecondFactorWrong | SecondFactorLocked:
    """Count a wrong code; the error to raise (the lock, when this one reached it)."""
    factor.failures += 1
    _audit(session, attempt, "staff.second_factor_failed", reason="wrong", failures=factor.failures)
    if factor.failures < settings.staff_second_factor_attempts:
        return SecondFactorWrong(field="code")
    minutes = settings.staff_second_factor_lock_minutes
    factor.failures = 0
    factor.locked_until = now + timedelta(minutes=minutes)
    _audit(session, attempt, "staff.second_factor_locked", minutes=minutes)
    user = attempt.user
    mail.send(
        session,
        to=user.email,
        subject=render(LOCKED_SUBJECT, locale=user.language),
        body=render(
            LOCKED_BODY,
            {"attempts": settings.staff_second_factor_attempts, "minutes": minutes},
            locale=user.language,
        ),
    )
    return SecondFactorLocked(minutes=minutes, field="code")


def _check(
    session: Session,
    factor: StaffSecondFactor,
    code: str,
    attempt: Attempt,
    settings: Settings,
    mail: MailSender,
    *,
    recovery: bool,
) -> str:
    """Accept ``code`` for ``factor`` (``totp`` or, if ``recovery``, ``recovery``), or
    raise: locked, replayed, or wrong (counted, and at the limit locking)."""
    now = attempt.clock.now()
    if factor.locked_until is not None and factor.locked_until > now:
        left = (factor.locked_until - now).total_seconds() / 60
        raise SecondFactorLocked(minutes=max(1, math.ceil(left)), field="code")
    typed = _normalised(code)
    if re.fullmatch(r"\d{6}", typed):
        step = _matching_step(secret_of(factor, settings), typed, now)
        if step is not None:
            if factor.last_step is not None and step <= factor.last_step:
                _audit(session, attempt, "staff.second_factor_failed", reason="replayed")
                raise SecondFactorReplayed(field="code")
            factor.last_step, factor.last_used_at, factor.failures = step, now, 0
            return TOTP
    elif recovery and len(typed) == 10:
        wanted = _recovery_hash(settings, factor.user_id, typed)
        spent = session.execute(
            update(StaffRecoveryCode)
            .where(
                StaffRecoveryCode.user_id == factor.user_id,
                StaffRecoveryCode.code_hash == wanted,
                StaffRecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
        if spent.rowcount:  # type: ignore[attr-defined]
            factor.failures, factor.last_used_at = 0, now
            return "recovery"
    raise _failed(session, factor, attempt, settings, mail, now)


def _confirmed(session: Session, user: User) -> StaffSecondFactor:
    factor = factor_of(session, user.id)
    if factor is None or factor.confirmed_at is None:
        raise SecondFactorNotEnrolled()
    return factor


def give(
    session: Session,
    *,
    auth: AuthSession,
    user: User,
    code: str,
    settings: Settings,
    clock: Clock,
    mail: MailSender,
    ip: str | None = None,
) -> str:
    """Complete a staff sign-in: ``code`` (TOTP or a recovery code) opens ``auth``.
    Returns how (``totp`` or ``recovery``)."""
    factor = _confirmed(session, user)
    attempt = Attempt(user, ip, clock, "sign_in")
    how = _check(session, factor, code, attempt, settings, mail, recovery=True)
    auth.second_factor_at = clock.now()
    if how == "recovery":
        left = session.scalar(
            select(StaffRecoveryCode.id)
            .where(StaffRecoveryCode.user_id == user.id, StaffRecoveryCode.used_at.is_(None))
            .limit(1)
        )
        _audit(session, attempt, "staff.recovery_code_used", any_left=left is not None)
    _audit(session, attempt, "staff.second_factor", method=how)
    return how


def enrol(
    session: Session,
    *,
    auth: AuthSession,
    user: User,
    code: str,
    settings: Settings,
    clock: Clock,
    mail: MailSender,
    ip: str | None = None,
) -> list[str]:
    """Confirm the account's new factor with one right code; its ten recovery codes
    (the only time they exist outside their hashes). The session is signed in."""
    factor = factor_of(session, user.id)
    if factor is None:
        raise SecondFactorNotEnrolled()
    if factor.confirmed_at is not None:
        raise SecondFactorEnrolled()
    attempt = Attempt(user, ip, clock, "enrol")
    _check(session, factor, code, attempt, settings, mail, recovery=False)
    now = clock.now()
    factor.confirmed_at = now
    codes = _new_recovery_codes(session, user, settings, now)
    auth.second_factor_at = now
    _audit(session, attempt, "staff.enrolled", kind=TOTP)
    return codes


def reauthenticate(
    session: Session,
    *,
    auth: AuthSession,
    user: User,
    code: str,
    settings: Settings,
    clock: Clock,
    mail: MailSender,
    ip: str | None = None,
) -> None:
    """A fresh TOTP code (the password was checked before, ``service.confirm_password``)
    before a sensitive action: ``auth.reauth_at`` is now (``web.staff.require_fresh``)."""
    factor = _confirmed(session, user)
    attempt = Attempt(user, ip, clock, "reauth")
    _check(session, factor, code, attempt, settings, mail, recovery=False)
    auth.reauth_at = clock.now()
    _audit(session, attempt, "staff.reauth")


def recovery_codes_left(session: Session, user_id: int) -> int:
    return len(
        session.scalars(
            select(StaffRecoveryCode.id).where(
                StaffRecoveryCode.user_id == user_id, StaffRecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def reset(
    session: Session,
    *,
    user: User,
    actor: User | None,
    clock: Clock,
    ip: str | None = None,
) -> bool:
    """Remove the account's factor and recovery codes and end its sessions: the next
    sign-in enrols again (a lost phone, a lock to lift). Whether it had a factor."""
    had = factor_of(session, user.id) is not None
    now = clock.now()
    session.execute(delete(StaffSecondFactor).where(StaffSecondFactor.user_id == user.id))
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.user_id == user.id))
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    audit_service.record(
        session,
        actor=actor,
        action="staff.second_factor_reset",
        subject_kind="user",
        subject_id=user.id,
        ip=ip,
        detail={"email": user.email, "had_factor": had},
        clock=clock,
    )
    return had


@dataclass(frozen=True)
class StaffAccount:
    email: str
    role: str
    port_code: str | None
    enrolled: bool
    active: bool


def staff_accounts(session: Session) -> list[StaffAccount]:
    """Every staff account with whether its second factor is enrolled (``puerta staff list``)."""
    confirmed = set(
        session.scalars(
            select(StaffSecondFactor.user_id).where(StaffSecondFactor.confirmed_at.is_not(None))
        )
    )
    users = session.scalars(
        select(User).where(User.role.in_(sorted(STAFF_ROLES))).order_by(User.role, User.email)
    )
    return [
        StaffAccount(u.email, u.role, u.port_code, u.id in confirmed, u.is_active) for u in users
    ]
