"""Registrations (a group that travels together), their travelers and photos."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from puerta.db import Base


class Registration(Base):
    __tablename__ = "registrations"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    # Where and how the registration was made: evidence for the trend analysis.
    device_id: Mapped[str | None] = mapped_column(String(128), default=None, index=True)
    ip: Mapped[str | None] = mapped_column(String(45), default=None)
    form_seconds: Mapped[float | None] = mapped_column(default=None)

    travelers: Mapped[list[Traveler]] = relationship(
        back_populates="registration",
        order_by="Traveler.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class Traveler(Base):
    __tablename__ = "travelers"
    __table_args__ = (
        UniqueConstraint("registration_id", "position"),
        Index("ix_travelers_name_dob", "family_names", "given_names", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    position: Mapped[int]
    given_names: Mapped[str] = mapped_column(String(100))
    family_names: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    sex: Mapped[str] = mapped_column(String(1))
    country_of_birth: Mapped[str] = mapped_column(String(2))
    citizenship: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(35))
    phone: Mapped[str | None] = mapped_column(String(20), default=None, index=True)
    email: Mapped[str | None] = mapped_column(String(254), default=None, index=True)
    address_line1: Mapped[str] = mapped_column(String(120))
    address_line2: Mapped[str | None] = mapped_column(String(120), default=None)
    city: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str | None] = mapped_column(String(10), default=None)
    photo_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("photos.sha256"), default=None, index=True
    )

    registration: Mapped[Registration] = relationship(back_populates="travelers")


class Photo(Base):
    """Photo metadata; the bytes live in the photo store under their SHA-256."""

    __tablename__ = "photos"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime]


class RegistrationDraft(Base):
    """A registration being filled in on the pages, one traveler at a time, kept on the
    server under the browser's session so a lost connection loses nothing; it becomes a
    registration only at "check your answers" (``registration.drafts.submit``).

    Its travelers are the validated form of each (``TravelerIn`` as JSON). Drafts of
    sessions that ended are deleted the next time any draft is saved."""

    __tablename__ = "registration_drafts"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    travelers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
