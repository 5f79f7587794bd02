"""Registrations: create, read, edit travelers, photos; the registration's part of a withdrawal."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta import lifecycle
from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.errors import (
    EmailNotVerified,
    RegistrationNotEditable,
    RegistrationNotFound,
    TooManyTravelers,
    TravelerNotFound,
)
from puerta.ids import new_id
from puerta.lifecycle import RegistrationStatus
from puerta.registration.models import Photo, Registration, Traveler
from puerta.registration.photos import CheckedPhoto, PhotoStore
from puerta.registration.schemas import RegistrationIn, TravelerIn


class Channel(StrEnum):
    """Who made a registration: the person (``self``), or a partner organisation for a
    person who has no phone (``partner``, ``puerta.partners``).

    The draw never reads it (one ticket per person either way). Limits on sign-ups and
    registrations per client address or device check it: a partner legitimately registers
    many people from one office, and is watched by the per-partner report instead.
    """

    SELF = "self"
    PARTNER = "partner"


def create(
    session: Session,
    *,
    owner: User,
    data: RegistrationIn,
    settings: Settings,
    clock: Clock,
    ip: str | None = None,
    channel: Channel = Channel.SELF,
) -> Registration:
    """A new registration of ``owner``'s group.

    ``channel=PARTNER``: ``owner`` is the account a partner made for the person
    (``puerta.partners.service``); the partner vouches for it, so its address need not be
    verified yet (the person proves it when they take the registration over).
    """
    if channel is Channel.SELF and owner.email_verified_at is None:
        raise EmailNotVerified()
    if len(data.travelers) > settings.max_travelers:
        raise TooManyTravelers(maximum=settings.max_travelers, field="travelers")
    now = clock.now()
    registration = Registration(
        id=new_id("R"),
        owner_id=owner.id,
        status=RegistrationStatus.ACTIVE.value,
        created_at=now,
        updated_at=now,
        device_id=data.device_id,
        ip=ip,
        form_seconds=data.form_seconds,
    )
    registration.travelers = [
        Traveler(position=i, **t.model_dump()) for i, t in enumerate(data.travelers)
    ]
    session.add(registration)
    session.flush()
    return registration


def get_owned(session: Session, *, registration_id: str, owner: User) -> Registration:
    """The owner's registration. Someone else's is 'not found', not 'forbidden',
    so that ids cannot be probed."""
    registration = session.get(Registration, registration_id)
    if registration is None or registration.owner_id != owner.id:
        raise RegistrationNotFound()
    return registration


def list_owned(session: Session, *, owner: User) -> list[Registration]:
    return list(
        session.scalars(
            select(Registration)
            .where(Registration.owner_id == owner.id)
            .order_by(Registration.created_at)
        )
    )


def _traveler(registration: Registration, position: int) -> Traveler:
    for traveler in registration.travelers:
        if traveler.position == position:
            return traveler
    raise TravelerNotFound(position=position, field="position")


def ensure_editable(registration: Registration) -> None:
    """Only an active registration's travelers change. (A booked appointment locks them
    too: that is a later step's fact, checked by ``puerta.journey.editing``.)"""
    if registration.status != RegistrationStatus.ACTIVE.value:
        raise RegistrationNotEditable(state=RegistrationStatus(registration.status))


def update_traveler(
    _session: Session,
    *,
    registration: Registration,
    position: int,
    data: TravelerIn,
    clock: Clock,
) -> Traveler:
    ensure_editable(registration)
    traveler = _traveler(registration, position)
    for key, value in data.model_dump().items():
        setattr(traveler, key, value)
    registration.updated_at = clock.now()
    return traveler


def ensure_photo_editable(registration: Registration, position: int) -> Traveler:
    """The traveler whose photo may be set, or the coded reason why not."""
    ensure_editable(registration)
    return _traveler(registration, position)


def set_photo(
    session: Session,
    *,
    registration: Registration,
    position: int,
    checked: CheckedPhoto,
    store: PhotoStore,
    clock: Clock,
) -> Photo:
    """Set a traveler's photo, already decoded and checked by
    :func:`~puerta.registration.photos.check_photo` (slow: call it holding no connection)."""
    traveler = ensure_photo_editable(registration, position)
    photo = session.get(Photo, checked.sha256)
    if photo is None:
        store.put(checked.sha256, checked.data)
        photo = Photo(
            sha256=checked.sha256,
            content_type=checked.content_type,
            size_bytes=len(checked.data),
            width=checked.width,
            height=checked.height,
            created_at=clock.now(),
        )
        session.add(photo)
        session.flush()
    traveler.photo_sha256 = photo.sha256
    registration.updated_at = clock.now()
    return photo


def mark_withdrawn(registration: Registration, *, clock: Clock) -> Registration:
    """The registration's own part of a withdrawal (``puerta.journey.withdraw`` does the rest)."""
    lifecycle.move(registration, RegistrationStatus.WITHDRAWN)
    registration.updated_at = clock.now()
    return registration


def is_complete(registration: Registration) -> bool:
    return all(t.photo_sha256 for t in registration.travelers)
