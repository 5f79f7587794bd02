"""Every state change of registrations, requests, selections and appointments.

The allowed transitions live here and nowhere else; services call
``move(obj, new_state)`` and never assign ``status`` directly, so a state
machine can be read (and tested) in one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from puerta.errors import InvalidTransition
from puerta.i18n import M


class RegistrationStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    DEACTIVATED = "deactivated"


class RequestStatus(StrEnum):
    POOLED = "pooled"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"


class SelectionStatus(StrEnum):
    OFFERED = "offered"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class FindingStatus(StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


TRANSITIONS: dict[type[StrEnum], dict[StrEnum, frozenset[StrEnum]]] = {
    RegistrationStatus: {
        RegistrationStatus.ACTIVE: frozenset(
            {RegistrationStatus.WITHDRAWN, RegistrationStatus.DEACTIVATED}
        ),
        RegistrationStatus.DEACTIVATED: frozenset({RegistrationStatus.ACTIVE}),
        RegistrationStatus.WITHDRAWN: frozenset(),
    },
    RequestStatus: {
        RequestStatus.POOLED: frozenset(
            {RequestStatus.SELECTED, RequestStatus.NOT_SELECTED, RequestStatus.WITHDRAWN}
        ),
        RequestStatus.SELECTED: frozenset(),
        RequestStatus.NOT_SELECTED: frozenset(),
        RequestStatus.WITHDRAWN: frozenset(),
    },
    SelectionStatus: {
        SelectionStatus.OFFERED: frozenset(
            {
                SelectionStatus.CONFIRMED,
                SelectionStatus.EXPIRED,
                SelectionStatus.DECLINED,
                SelectionStatus.WITHDRAWN,
            }
        ),
        SelectionStatus.CONFIRMED: frozenset(),
        SelectionStatus.EXPIRED: frozenset(),
        SelectionStatus.DECLINED: frozenset(),
        SelectionStatus.WITHDRAWN: frozenset(),
    },
    AppointmentStatus: {
        AppointmentStatus.BOOKED: frozenset({AppointmentStatus.CANCELLED}),
        AppointmentStatus.CANCELLED: frozenset(),
    },
    # A decided finding can always be reopened: that is how a review is appealed.
    FindingStatus: {
        FindingStatus.NEW: frozenset(
            {FindingStatus.UNDER_REVIEW, FindingStatus.CONFIRMED, FindingStatus.DISMISSED}
        ),
        FindingStatus.UNDER_REVIEW: frozenset({FindingStatus.CONFIRMED, FindingStatus.DISMISSED}),
        FindingStatus.CONFIRMED: frozenset({FindingStatus.UNDER_REVIEW}),
        FindingStatus.DISMISSED: frozenset({FindingStatus.UNDER_REVIEW}),
    },
}

_NOUNS = {
    RegistrationStatus: M("term.noun.registration", "registration"),
    RequestStatus: M("term.noun.request", "appointment request"),
    SelectionStatus: M("term.noun.selection", "selection"),
    AppointmentStatus: M("term.noun.appointment", "appointment"),
    FindingStatus: M("term.noun.finding", "finding"),
}

# Each state's name as a person reads it (``puerta.i18n.translate`` looks states up by
# ``term.<Enum>.<value>``); the catalogue test checks every state has one.
STATE_NAMES = [
    M("term.RegistrationStatus.active", "active"),
    M("term.RegistrationStatus.withdrawn", "withdrawn"),
    M("term.RegistrationStatus.deactivated", "deactivated"),
    M("term.RequestStatus.pooled", "in the pool"),
    M("term.RequestStatus.selected", "selected"),
    M("term.RequestStatus.not_selected", "not selected"),
    M("term.RequestStatus.withdrawn", "withdrawn"),
    M("term.SelectionStatus.offered", "offered"),
    M("term.SelectionStatus.confirmed", "confirmed"),
    M("term.SelectionStatus.expired", "expired"),
    M("term.SelectionStatus.declined", "declined"),
    M("term.SelectionStatus.withdrawn", "withdrawn"),
    M("term.AppointmentStatus.booked", "booked"),
    M("term.AppointmentStatus.cancelled", "cancelled"),
    M("term.FindingStatus.new", "new"),
    M("term.FindingStatus.under_review", "under review"),
    M("term.FindingStatus.confirmed", "confirmed"),
    M("term.FindingStatus.dismissed", "dismissed"),
]


def can_move(current: StrEnum, new: StrEnum) -> bool:
    return new in TRANSITIONS[type(new)][type(new)(current)]


def require(obj: Any, new: StrEnum) -> None:
    """Raise InvalidTransition unless ``obj`` may move to ``new``; change nothing."""
    kind = type(new)
    current = kind(obj.status)
    if not can_move(current, new):
        raise InvalidTransition(thing=_NOUNS[kind], current=current, requested=new)


def move(obj: Any, new: StrEnum) -> None:
    """Set ``obj.status`` to ``new`` if the lifecycle allows it, else raise InvalidTransition."""
    require(obj, new)
    obj.status = new.value
