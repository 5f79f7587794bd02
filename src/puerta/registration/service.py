"""Registrations: create, read, edit travelers, photos, withdraw."""

from __future__ import annotations

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
    TravelersLockedByAppointment,
)
from puerta.ids import new_id
from puerta.lifecycle import RegistrationStatus, RequestStatus, SelectionStatus
from puerta.registration.models import Photo, Registration, Traveler
from puerta.registration.photos import PhotoStore, check_photo
from puerta.registration.schemas import RegistrationIn, TravelerIn


def create(
    session: Session,
    *,
    owner: User,
    data: RegistrationIn,
    settings: Settings,
    clock: Clock,
    ip: str | None = None,
) -> Registration:
    if owner.email_verified_at is None:
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


def _ensure_editable(session: Session, registration: Registration) -> None:
    from puerta.confirmation.models import Appointment  # circular: appointments use us

    if registration.status != RegistrationStatus.ACTIVE.value:
        raise RegistrationNotEditable(state=RegistrationStatus(registration.status))
    booked = session.scalar(
        select(Appointment.id).where(
            Appointment.registration_id == registration.id, Appointment.status == "booked"
        )
    )
    if booked is not None:
        raise TravelersLockedByAppointment()


def update_traveler(
    session: Session,
    *,
    registration: Registration,
    position: int,
    data: TravelerIn,
    clock: Clock,
) -> Traveler:
    _ensure_editable(session, registration)
    traveler = _traveler(registration, position)
    for key, value in data.model_dump().items():
        setattr(traveler, key, value)
    registration.updated_at = clock.now()
    return traveler


def set_photo(
    session: Session,
    *,
    registration: Registration,
    position: int,
    data: bytes,
    store: PhotoStore,
    settings: Settings,
    clock: Clock,
) -> Photo:
    _ensure_editable(session, registration)
    traveler = _traveler(registration, position)
    checked = check_photo(data, max_bytes=settings.photo_max_bytes)
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


def withdraw(session: Session, *, registration: Registration, clock: Clock) -> Registration:
    """Withdraw a registration: its open request, offer and appointment end with it."""
    from puerta.confirmation import service as confirmation_service
    from puerta.draw.models import Selection
    from puerta.requests.models import AppointmentRequest

    lifecycle.move(registration, RegistrationStatus.WITHDRAWN)
    registration.updated_at = clock.now()
    for request in session.scalars(
        select(AppointmentRequest).where(
            AppointmentRequest.registration_id == registration.id,
            AppointmentRequest.status == RequestStatus.POOLED.value,
        )
    ):
        lifecycle.move(request, RequestStatus.WITHDRAWN)
    for selection in session.scalars(
        select(Selection).where(
            Selection.registration_id == registration.id,
            Selection.status == SelectionStatus.OFFERED.value,
        )
    ):
        confirmation_service.release_offer(
            session, selection=selection, status=SelectionStatus.WITHDRAWN, clock=clock
        )
    confirmation_service.cancel_booked_for(session, registration=registration, clock=clock)
    return registration


def is_complete(registration: Registration) -> bool:
    return all(t.photo_sha256 for t in registration.travelers)
