"""Where a registration stands: a stage, its coded message, and the facts behind it.

Computed from the records, never stored, so it cannot drift from them: each
step says what became of its part (the latest request, selection and
appointment), gathered into :class:`StatusFacts` either by the steps' services
(:func:`status_of`) or by the hot path's one statement
(``journey/hot_path.py``); :func:`stage_of` decides from the facts alone. The
message is rendered in the owner's language at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.confirmation import service as confirmation_service
from puerta.draw import service as draw_service
from puerta.i18n import M, Message
from puerta.lifecycle import AppointmentStatus, RequestStatus, SelectionStatus
from puerta.registration.models import Registration
from puerta.requests import service as requests_service


class Stage(StrEnum):
    WITHDRAWN = "withdrawn"
    DEACTIVATED = "deactivated"
    INCOMPLETE = "incomplete"
    NO_REQUEST = "no_request"
    PENDING_REQUEST = "pending_request"
    NOT_SELECTED = "not_selected"
    SELECTED = "selected"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DECLINED = "declined"


MESSAGES: dict[Stage, Message] = {
    Stage.WITHDRAWN: M("status.withdrawn", "This registration was withdrawn."),
    Stage.DEACTIVATED: M(
        "status.deactivated", "This registration is deactivated. Contact support."
    ),
    Stage.INCOMPLETE: M(
        "status.incomplete", "Add a photo for every traveler, then ask for an appointment."
    ),
    Stage.NO_REQUEST: M(
        "status.no_request", "Ready. Ask for an appointment during the daily window."
    ),
    Stage.PENDING_REQUEST: M(
        "status.pending_request", "Your request is in the pool for the next draw."
    ),
    Stage.NOT_SELECTED: M(
        "status.not_selected",
        "You were not selected this time. You can ask again in the next window.",
    ),
    Stage.SELECTED: M("status.selected", "You were selected. Confirm before the deadline."),
    Stage.CONFIRMED: M("status.confirmed", "Your appointment is confirmed."),
    Stage.CANCELLED: M(
        "status.cancelled", "Your appointment was cancelled. You can ask for a new one."
    ),
    Stage.EXPIRED: M(
        "status.expired", "The time to confirm ran out. You can ask for an appointment again."
    ),
    Stage.DECLINED: M(
        "status.declined", "You declined the selection. You can ask for an appointment again."
    ),
}


@dataclass(frozen=True)
class RegistrationStatus:
    stage: Stage
    message: Message
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LatestAppointment:
    status: str
    port_code: str
    day: date
    slot_start: time
    code: str
    cancelled_at: datetime | None


@dataclass(frozen=True)
class LatestSelection:
    status: str
    port_code: str
    appointment_date: date
    deadline: datetime
    extended: bool
    decided_at: datetime | None


@dataclass(frozen=True)
class LatestRequest:
    status: str
    port_code: str
    pool_date: date
    created_at: datetime


@dataclass(frozen=True)
class StatusFacts:
    """The latest of each step for one registration: all :func:`stage_of` reads."""

    registration_status: str
    photos_missing: int
    appointment: LatestAppointment | None = None
    selection: LatestSelection | None = None
    request: LatestRequest | None = None


def status_of(session: Session, registration: Registration, clock: Clock) -> RegistrationStatus:
    """:func:`stage_of` on the facts each step's service gives."""
    appointment = confirmation_service.latest_appointment(session, registration.id)
    selection = draw_service.latest_selection(session, registration.id)
    request = requests_service.latest_request(session, registration.id)
    facts = StatusFacts(
        registration_status=registration.status,
        photos_missing=sum(1 for t in registration.travelers if not t.photo_sha256),
        appointment=None
        if appointment is None
        else LatestAppointment(
            appointment.status,
            appointment.port_code,
            appointment.day,
            appointment.slot_start,
            appointment.code,
            appointment.cancelled_at,
        ),
        selection=None
        if selection is None
        else LatestSelection(
            selection.status,
            selection.port_code,
            selection.appointment_date,
            selection.deadline,
            selection.extended,
            selection.decided_at,
        ),
        request=None
        if request is None
        else LatestRequest(
            request.status, request.port_code, request.pool_date, request.created_at
        ),
    )
    return stage_of(facts, clock.now())


def stage_of(facts: StatusFacts, now: datetime) -> RegistrationStatus:
    """Where a registration stands: the first of these that holds, in this order."""

    def make(stage: Stage, **details: Any) -> RegistrationStatus:
        return RegistrationStatus(stage, MESSAGES[stage], details)

    if facts.registration_status in (Stage.WITHDRAWN, Stage.DEACTIVATED):
        return make(Stage(facts.registration_status))
    appointment, selection, request = facts.appointment, facts.selection, facts.request
    if appointment is not None and appointment.status == AppointmentStatus.BOOKED.value:
        return make(
            Stage.CONFIRMED,
            port_code=appointment.port_code,
            date=appointment.day.isoformat(),
            slot_start=appointment.slot_start.strftime("%H:%M"),
            code=appointment.code,
        )
    if selection is not None and selection.status == SelectionStatus.OFFERED.value:
        if selection.deadline > now:
            return make(
                Stage.SELECTED,
                port_code=selection.port_code,
                date=selection.appointment_date.isoformat(),
                deadline=selection.deadline.isoformat(),
                can_extend=not selection.extended,
            )
        return make(Stage.EXPIRED)
    if request is not None and request.status == RequestStatus.POOLED.value:
        return make(
            Stage.PENDING_REQUEST,
            port_code=request.port_code,
            pool_date=request.pool_date.isoformat(),
        )
    latest = _latest_ending(appointment, selection, request)
    if latest is not None:
        return latest
    if facts.photos_missing:
        return make(Stage.INCOMPLETE)
    return make(Stage.NO_REQUEST)


def _latest_ending(
    appointment: LatestAppointment | None,
    selection: LatestSelection | None,
    request: LatestRequest | None,
) -> RegistrationStatus | None:
    """The most recent way the last attempt ended, if any."""
    events: list[tuple[datetime | date, Stage, dict[str, Any]]] = []
    if appointment is not None and appointment.cancelled_at is not None:
        events.append((appointment.cancelled_at, Stage.CANCELLED, {}))
    if selection is not None and selection.decided_at is not None:
        ended = {
            SelectionStatus.EXPIRED.value: Stage.EXPIRED,
            SelectionStatus.DECLINED.value: Stage.DECLINED,
        }.get(selection.status)
        if ended is not None:
            events.append((selection.decided_at, ended, {}))
    if request is not None and request.status == RequestStatus.NOT_SELECTED.value:
        events.append(
            (request.created_at, Stage.NOT_SELECTED, {"pool_date": request.pool_date.isoformat()})
        )
    if not events:
        return None
    _, stage, details = max(events, key=lambda e: e[0])  # type: ignore[arg-type,return-value]
    return RegistrationStatus(stage, MESSAGES[stage], details)
