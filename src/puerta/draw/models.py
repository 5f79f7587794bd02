"""Draws, their published artefacts, and the selections they make.

What a draw publishes is immutable once published: the columns named in
``_FROZEN`` refuse a second, different value (:class:`ArtefactFrozen`), and
the service refuses to close a pool or run a day twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from puerta.db import Base
from puerta.errors import ArtefactFrozen


def _frozen(obj: object, key: str, value: Any) -> Any:
    current = obj.__dict__.get(key)
    if current is not None and current != value:
        raise ArtefactFrozen(artefact=key)
    return value


class DrawCommitment(Base):
    """A pool date's seed commitment (published before its window opens) and its closed pool.

    ``seed_hex`` is the secret: never served before the draw reveals it.
    ``records`` and ``pool_root`` are what was published when the pool closed
    (``docs/draw.md``); the draw runs on exactly these.
    """

    __tablename__ = "draw_commitments"
    _FROZEN = (
        "seed_commitment",
        "seed_hex",
        "committed_at",
        "pool_root",
        "records",
        "pool_published_at",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_date: Mapped[date] = mapped_column(unique=True)
    seed_commitment: Mapped[str] = mapped_column(String(64))
    seed_hex: Mapped[str] = mapped_column(String(128))
    committed_at: Mapped[datetime]
    window_opens_at: Mapped[datetime]
    beacon_round: Mapped[str | None] = mapped_column(String(64), default=None)
    pool_root: Mapped[str | None] = mapped_column(String(64), default=None)
    records: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    pool_published_at: Mapped[datetime | None] = mapped_column(default=None)
    pool_size: Mapped[int | None] = mapped_column(default=None)

    @validates(*_FROZEN)
    def _keep(self, key: str, value: Any) -> Any:
        return _frozen(self, key, value)

    @property
    def late(self) -> bool:
        """Committed after the window opened: the operator could have seen requests first."""
        return self.committed_at > self.window_opens_at


class Draw(Base):
    """One day's allocation and what it published. The seed is revealed here."""

    __tablename__ = "draws"
    _FROZEN = ("seed_hex", "result", "deferred", "pool_root", "published_at", "seed_revealed_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_date: Mapped[date] = mapped_column(unique=True)
    appointment_date: Mapped[date]
    algorithm: Mapped[str] = mapped_column(String(32))
    seed_hex: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pool_size: Mapped[int]
    seats_offered: Mapped[int]
    created_at: Mapped[datetime]
    seed_commitment: Mapped[str | None] = mapped_column(String(64), default=None)
    commitment_published_at: Mapped[datetime | None] = mapped_column(default=None)
    beacon_round: Mapped[str | None] = mapped_column(String(64), default=None)
    beacon_hex: Mapped[str] = mapped_column(String(128), default="")
    pool_root: Mapped[str | None] = mapped_column(String(64), default=None)
    pool_published_at: Mapped[datetime | None] = mapped_column(default=None)
    result: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    """Entrant id -> reason (``priority``, ``seniority``, ``random``)."""
    deferred: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    oversized: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    seed_revealed_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)

    @validates(*_FROZEN)
    def _keep(self, key: str, value: Any) -> Any:
        return _frozen(self, key, value)


class Selection(Base):
    """A registration chosen by a draw, holding seats until confirmed or lapsed."""

    __tablename__ = "selections"
    __table_args__ = (Index("ix_selections_status_deadline", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("appointment_requests.id"), unique=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    port_code: Mapped[str] = mapped_column(ForeignKey("ports.code"))
    appointment_date: Mapped[date]
    seats: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="offered")
    deadline: Mapped[datetime]
    extended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class Deferral(Base):
    """A group reached by a draw that did not fit: seated first in its next draw at the port."""

    __tablename__ = "draw_deferrals"
    __table_args__ = (UniqueConstraint("registration_id", "deferred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    port_code: Mapped[str] = mapped_column(ForeignKey("ports.code"))
    deferred_on: Mapped[date]
    entrant_id: Mapped[str] = mapped_column(String(40))
    used_on: Mapped[date | None] = mapped_column(default=None)
    """The pool date where the priority was given; then it is spent."""


class DrawReview(Base):
    """A request merged into (duplicate) or linked with an older one: for staff to review."""

    __tablename__ = "draw_reviews"
    __table_args__ = (UniqueConstraint("pool_date", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_date: Mapped[date] = mapped_column(index=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_requests.id", ondelete="CASCADE")
    )
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    into_request_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_requests.id", ondelete="CASCADE")
    )
    into_registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(16))
    """``duplicate`` (adds nobody) or ``linked`` (shares some travelers)."""
    travelers: Mapped[int]
    seats: Mapped[int]
    created_at: Mapped[datetime]
