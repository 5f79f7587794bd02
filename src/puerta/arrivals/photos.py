"""The photos officers see: each traveler's registered photo and the confirmation's live
photo, only to the staff who may see the traveler's arrival.

An officer sees a traveler's registered photo only when the traveler's group has an
appointment at the officer's port, and a live photo only for an appointment of their
port; analysts and admins see all. Anything else reads as "no such photo", the same
answer as a photo that does not exist, so that the store cannot be probed for who
registered.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role, User
from puerta.confirmation.models import Appointment
from puerta.errors import StaffPhotoNotFound
from puerta.faces import service as faces_service
from puerta.faces.models import LiveFaceCheck
from puerta.ids import normalise_code
from puerta.registration.models import Photo, Traveler
from puerta.registration.photos import PhotoStore, sniff


@dataclass(frozen=True)
class ShownPhoto:
    data: bytes
    content_type: str
    #: The port of the appointment the photo is seen for (None: an analyst's look at a
    #: traveler with no appointment), for the audit trail.
    port_code: str | None


def _appointment_port(session: Session, user: User, registration_id: str) -> str | None:
    """The port of an appointment of ``registration_id`` that ``user`` may see, or None."""
    ports = session.scalars(
        select(Appointment.port_code)
        .where(Appointment.registration_id == registration_id)
        .order_by(Appointment.day.desc(), Appointment.id.desc())
    ).all()
    return next((p for p in ports if accounts_service.sees_port(user, p)), None)


def registered_photo(
    session: Session, store: PhotoStore, *, user: User, registration_id: str, position: int
) -> ShownPhoto:
    """Traveler ``position``'s registered photo, or :class:`StaffPhotoNotFound`."""
    port = _appointment_port(session, user, registration_id)
    if port is None and user.role == Role.OFFICER.value:
        raise StaffPhotoNotFound()
    row = session.execute(
        select(Photo.sha256, Photo.content_type)
        .join(Traveler, Traveler.photo_sha256 == Photo.sha256)
        .where(Traveler.registration_id == registration_id, Traveler.position == position)
    ).first()
    if row is None:
        raise StaffPhotoNotFound()
    try:
        data = store.get(row.sha256)
    except (OSError, ValueError):
        raise StaffPhotoNotFound() from None
    return ShownPhoto(data, row.content_type, port)


def live_photo(session: Session, store: PhotoStore, *, user: User, code: str) -> ShownPhoto:
    """The live photo of the confirmation of appointment ``code``, while it is kept."""
    row = session.execute(
        select(Appointment.port_code, LiveFaceCheck)
        .join(LiveFaceCheck, LiveFaceCheck.appointment_id == Appointment.id)
        .where(Appointment.code == normalise_code(code))
    ).first()
    if row is None or not accounts_service.sees_port(user, row.port_code):
        raise StaffPhotoNotFound()
    data = faces_service.live_photo_bytes(row.LiveFaceCheck, store)
    if data is None:
        raise StaffPhotoNotFound()
    return ShownPhoto(data, sniff(data) or "application/octet-stream", row.port_code)
