"""Face encodings of the registered photos, and the live photo's comparison with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class FaceEncoding(Base):
    """What the model saw in one registered photo (photos are stored once, by content).

    The 128 numbers are kept (``encoding``, float32), not just a verdict, so that
    photos registered later are compared with this one without encoding it again.
    """

    __tablename__ = "face_encodings"

    photo_sha256: Mapped[str] = mapped_column(
        ForeignKey("photos.sha256", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    quality: Mapped[list[str]] = mapped_column(JSON, default=list)
    encoding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    model: Mapped[str] = mapped_column(String(32))
    faces: Mapped[int] = mapped_column(default=0)
    face_px: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class LiveFaceCheck(Base):
    """The live photo of a confirmation compared with the travelers' registered photos.

    Written pending, with the live photo, in the confirmation's own transaction; the
    scheduler (or ``puerta faces run``) encodes it later, fills the verdict and moves
    the photo to the photo store (``photo_kept``), where the officer's console shows
    it beside the registered photos until the appointment day plus
    ``live_photo_retention_days`` (``service.forget_live_photos``). Shown to the
    officer beside the arrival: it never refuses anyone.
    """

    __tablename__ = "live_face_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), unique=True
    )
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    image_sha256: Mapped[str] = mapped_column(String(64))
    #: The live photo until it is encoded, then None (it is in the photo store then).
    pending_image: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: Whether the photo store holds the live photo (under ``image_sha256``) for the
    #: officer; False again once its retention has passed and it was deleted.
    photo_kept: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    live_status: Mapped[str | None] = mapped_column(String(16), default=None)
    quality: Mapped[list[str]] = mapped_column(JSON, default=list)
    verdict: Mapped[str | None] = mapped_column(String(16), default=None)
    distance: Mapped[float | None] = mapped_column(default=None)
    threshold: Mapped[float | None] = mapped_column(default=None)
    #: The traveler whose registered photo is closest to the live photo.
    traveler_position: Mapped[int | None] = mapped_column(default=None)
    encoding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    model: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime]
    checked_at: Mapped[datetime | None] = mapped_column(default=None)
