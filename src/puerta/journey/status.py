"""Where a registration stands: a stage, its coded message, and the facts behind it.

Computed from the records, never stored, so it cannot drift from them: each
step's service says what became of its part (the latest request, selection
and appointment). The message is rendered in the owner's language at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.models import Appointment
from puerta.draw import service as draw_service
from puerta.draw.models import Selection
from puerta.i18n import M, Message
from puerta.lifecycle import AppointmentStatus, RequestStatus, SelectionStatus
from puerta.registration.models import Registration
from puerta.requests import service as requests_service
from puerta.requests.models import AppointmentRequest


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


def status_of(session: Session, registration: Registration, clock: Clock) -> RegistrationStatus:
    def make(stage: Stage, **details: Any) -> RegistrationStatus:
        return RegistrationStatus(stage, MESSAGES[stage], details)

    if registration.status in (Stage.WITHDRAWN, Stage.DEACTIVATED):
        return make(Stage(registration.status))
    appointment = confirmation_service.latest_appointment(session, registration.id)
    if appointment is not None and appointment.status == AppointmentStatus.BOOKED.value:
        return make(
            Stage.CONFIRMED,
            port_code=appointment.port_code,
            date=appointment.day.isoformat(),
            slot_start=appointment.slot_start.strftime("%H:%M"),
            code=appointment.code,
        )
    selection = draw_service.latest_selection(session, registration.id)
    now = clock.now()
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
    request = requests_service.latest_request(session, registration.id)
    if request is not None and request.status == RequestStatus.POOLED.value:
        return make(
            Stage.PENDING_REQUEST,
            port_code=request.port_code,
            pool_date=request.pool_date.isoformat(),
        )
    latest = _latest_ending(appointment, selection, request)
    if latest is not None:
        return latest
    if not all(t.photo_sha256 for t in registration.travelers):
        return make(Stage.INCOMPLETE)
    return make(Stage.NO_REQUEST)


def _latest_ending(
    appointment: Appointment | None,
    selection: Selection | None,
    request: AppointmentRequest | None,
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
