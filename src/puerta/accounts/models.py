"""Users, their sessions, one-time email codes and the mail outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class Role(StrEnum):
    APPLICANT = "applicant"
    #: Someone at a partner organisation (a shelter, legal aid) who registers people who
    #: have no phone; bound to one organisation (``puerta.partners``).
    PARTNER = "partner"
    OFFICER = "officer"
    ANALYST = "analyst"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=Role.APPLICANT.value)
    port_code: Mapped[str | None] = mapped_column(ForeignKey("ports.code"), default=None)
    language: Mapped[str] = mapped_column(String(35), default="en")
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    created_ip: Mapped[str | None] = mapped_column(String(45), default=None)


class EmailCode(Base):
    """A one-time code sent by email. Only its hash is kept."""

    __tablename__ = "email_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class AuthSession(Base):
    """A server-side session. The token is shown once; only its hash is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Staff sessions end after ``staff_idle_minutes`` without a request.
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    #: When a staff session's second factor was given; until then it opens nothing.
    second_factor_at: Mapped[datetime | None] = mapped_column(default=None)
    #: When the person last proved who they are again, before a sensitive action.
    reauth_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboxMessage(Base):
    """A message written in the transaction that sends it: kept by the embedded backend
    (``backend="outbox"``), or waiting for the job that delivers it after commit
    (``sent_at`` empty): ``backend="smtp"`` (``accounts/mail.py``) or ``backend="sms"``
    (the SMS gateway, ``notify/channels.py``).

    A notice of a selection's state change (``notify/``) names its ``selection_id`` and
    ``kind``: one message per selection, kind and channel, so that a job run twice
    writes nothing twice. One that became untrue before it was sent (an offer declined
    before its "selected" mail went) is ``superseded``: never sent, its body dropped.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("selection_id", "kind", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    backend: Mapped[str] = mapped_column(String(16), default="outbox", server_default="outbox")
    #: Failed deliveries; the job gives up after ``mail.MAX_ATTEMPTS``.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: ``email`` (``to_address`` an address) or ``sms`` (``to_address`` an E.164 phone).
    channel: Mapped[str] = mapped_column(String(8), default="email", server_default="email")
    #: The state change a notice tells (``notify.messages.Kind``); none for account mail.
    kind: Mapped[str | None] = mapped_column(String(16), default=None)
    selection_id: Mapped[int | None] = mapped_column(
        ForeignKey("selections.id", ondelete="CASCADE"), default=None
    )
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)


class SignInThrottle(Base):
    """Consecutive wrong passwords for one key: ``account:<email>`` or ``address:<ip>``
    (``accounts.throttle``). A row goes when its key signs in, or is reset by email."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    #: Indexed for the sweep of stale rows (``throttle.sweep``).
    last_failed_at: Mapped[datetime] = mapped_column(index=True)
    paused_until: Mapped[datetime | None] = mapped_column(default=None)
    #: When the account's owner was told by email of this run of failures.
    told_at: Mapped[datetime | None] = mapped_column(default=None)


class StaffSecondFactor(Base):
    """A staff account's second factor: a TOTP secret (RFC 6238), sealed at rest.

    Made unconfirmed at the first password sign-in of an account that has none (the
    enrolment page shows it as a QR code); ``confirmed_at`` once the person typed a
    code from it. ``last_step`` is the time step of the last code accepted: a code of
    that step or an earlier one is refused, so a code seen over a shoulder or in a
    proxy's log cannot be used again. ``failures`` wrong codes in a row lock it until
    ``locked_until`` (``accounts.second_factor``).
    """

    __tablename__ = "staff_second_factors"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: ``totp`` (WebAuthn keys would be another kind).
    kind: Mapped[str] = mapped_column(String(16), default="totp")
    #: The base32 secret, AES-GCM sealed with a key derived from ``secret_key``.
    secret_sealed: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_step: Mapped[int | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)


class StaffRecoveryCode(Base):
    """One of an account's ten recovery codes: shown once at enrolment, kept as a keyed
    hash, each good for one sign-in when the phone is lost."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
