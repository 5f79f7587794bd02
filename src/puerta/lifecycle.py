"""Every state change of registrations, requests, selections and appointments.

The allowed transitions live here and nowhere else; services call
``move(obj, new_state)`` and never assign ``status`` directly, so a state
machine can be read (and tested) in one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from puerta.errors import InvalidTransition


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
    RegistrationStatus: "registration",
    RequestStatus: "appointment request",
    SelectionStatus: "selection",
    AppointmentStatus: "appointment",
    FindingStatus: "finding",
}


def can_move(current: StrEnum, new: StrEnum) -> bool:
    return new in TRANSITIONS[type(new)][type(new)(current)]


def require(obj: Any, new: StrEnum) -> None:
    """Raise InvalidTransition unless ``obj`` may move to ``new``; change nothing."""
    kind = type(new)
    current = kind(obj.status)
    if not can_move(current, new):
        raise InvalidTransition(
            f"This {_NOUNS[kind]} is {current.value.replace('_', ' ')}; "
            f"it cannot become {new.value.replace('_', ' ')}.",
            current=current.value,
            requested=new.value,
        )


def move(obj: Any, new: StrEnum) -> None:
    """Set ``obj.status`` to ``new`` if the lifecycle allows it, else raise InvalidTransition."""
    require(obj, new)
    obj.status = new.value
