"""A registration filled in one traveler at a time: the draft, and sending it.

Why a draft on the server: a person on a cheap phone and a weak network fills in
a family over many minutes; each traveler saved as it is typed is never lost, and
the registration the draw sees is made once, whole, at "check your answers" by
the same use case as the API (:func:`puerta.registration.service.create`). The
time from the draft's first traveler to sending it is the registration's
``form_seconds``, the evidence the analysis uses for forms filled by a script.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from puerta.accounts.models import AuthSession, User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.errors import DraftEmpty, TooManyTravelers, TravelerNotFound
from puerta.registration import service
from puerta.registration.models import Registration, RegistrationDraft
from puerta.registration.schemas import RegistrationIn, TravelerIn


def current(session: Session, *, session_id: int) -> RegistrationDraft | None:
    return session.get(RegistrationDraft, session_id)


def travelers(draft: RegistrationDraft | None) -> list[TravelerIn]:
    """The draft's travelers, as the forms saved them."""
    return [] if draft is None else [TravelerIn.model_validate(t) for t in draft.travelers]


def _forget_ended(session: Session, clock: Clock) -> None:
    """Drafts of sessions that were signed out or ran out hold personal data nobody can
    reach any more: they go."""
    ended = select(AuthSession.id).where(
        or_(AuthSession.revoked_at.is_not(None), AuthSession.expires_at <= clock.now())
    )
    session.execute(delete(RegistrationDraft).where(RegistrationDraft.session_id.in_(ended)))


def put_traveler(
    session: Session,
    *,
    session_id: int,
    owner: User,
    position: int | None,
    data: TravelerIn,
    settings: Settings,
    clock: Clock,
) -> RegistrationDraft:
    """Add a traveler (``position`` None) or replace the one at ``position`` (0-based)."""
    draft = current(session, session_id=session_id)
    if draft is None:
        _forget_ended(session, clock)
        now = clock.now()
        draft = RegistrationDraft(
            session_id=session_id, owner_id=owner.id, travelers=[], created_at=now, updated_at=now
        )
        session.add(draft)
    rows = list(draft.travelers)
    saved = data.model_dump(mode="json")
    if position is None:
        if len(rows) >= settings.max_travelers:
            raise TooManyTravelers(maximum=settings.max_travelers)
        rows.append(saved)
    elif 0 <= position < len(rows):
        rows[position] = saved
    else:
        raise TravelerNotFound(position=position + 1)
    draft.travelers = rows  # a new list: the JSON column sees the change
    draft.updated_at = clock.now()
    session.flush()
    return draft


def remove_traveler(
    session: Session, *, session_id: int, position: int, clock: Clock
) -> RegistrationDraft | None:
    draft = current(session, session_id=session_id)
    rows = [] if draft is None else list(draft.travelers)
    if not 0 <= position < len(rows):
        raise TravelerNotFound(position=position + 1)
    assert draft is not None
    del rows[position]
    draft.travelers = rows
    draft.updated_at = clock.now()
    session.flush()
    return draft


def submit(
    session: Session,
    *,
    session_id: int,
    owner: User,
    settings: Settings,
    clock: Clock,
    ip: str | None = None,
    device_id: str | None = None,
) -> Registration:
    """The draft made into a registration (the API's use case), and the draft gone."""
    draft = current(session, session_id=session_id)
    if draft is None or not draft.travelers:
        raise DraftEmpty()
    seconds = max(0.0, (clock.now() - draft.created_at).total_seconds())
    data = RegistrationIn(
        travelers=travelers(draft), device_id=device_id, form_seconds=min(seconds, 86_400)
    )
    registration = service.create(
        session, owner=owner, data=data, settings=settings, clock=clock, ip=ip
    )
    session.delete(draft)
    session.flush()
    return registration
