"""Every state change of registrations, requests, selections, appointments, findings,
arrivals at the port and each traveler's disposition.

The allowed transitions live here and nowhere else; services call
``move(obj, new_state)`` and never assign ``status`` directly, so a state
machine can be read (and tested) in one place.

Some transitions undo what an officer (or the no-show job) recorded: they are
*corrections* (:data:`CORRECTIONS`), and a correction needs its reason, so the
record says why it changed. ``move`` refuses one without a reason; ``correct``
refuses anything that is not one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from puerta.errors import CorrectionNeedsReason, InvalidTransition
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


class ArrivalStatus(StrEnum):
    """A booked group on its day at the port: expected until checked in at the limit line,
    or a no-show once the port's appointment hours have ended without them."""

    EXPECTED = "expected"
    ARRIVED = "arrived"
    NO_SHOW = "no_show"


class Disposition(StrEnum):
    """What became of one traveler of an arrived group (``pending`` until the officer
    records it). ``other`` needs a note (:data:`NOTE_REQUIRED`); ``processed_nta`` needs
    the address written on the notice to appear."""

    PENDING = "pending"
    PROCESSED_NTA = "processed_nta"
    PAROLED = "paroled"
    OTHER = "other"
    REFUSED = "refused"
    NO_SHOW = "no_show"


#: The dispositions an officer can record (every state but ``pending``).
DECIDED: tuple[Disposition, ...] = tuple(d for d in Disposition if d is not Disposition.PENDING)
#: Dispositions recorded only with a note saying what happened.
NOTE_REQUIRED: frozenset[Disposition] = frozenset({Disposition.OTHER})


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
    # A no-show who turns up late, or a group checked in by mistake, is corrected.
    ArrivalStatus: {
        ArrivalStatus.EXPECTED: frozenset({ArrivalStatus.ARRIVED, ArrivalStatus.NO_SHOW}),
        ArrivalStatus.ARRIVED: frozenset({ArrivalStatus.NO_SHOW}),
        ArrivalStatus.NO_SHOW: frozenset({ArrivalStatus.ARRIVED}),
    },
    # A decided disposition may be corrected to any other; a no-show may go back to
    # pending when the group's no-show is corrected (they came after all).
    Disposition: {
        Disposition.PENDING: frozenset(DECIDED),
        **{
            d: frozenset({*DECIDED, Disposition.PENDING} - {d})
            if d is Disposition.NO_SHOW
            else frozenset(set(DECIDED) - {d})
            for d in DECIDED
        },
    },
}

#: The transitions that change what was recorded: each needs a reason.
CORRECTIONS: dict[type[StrEnum], frozenset[tuple[StrEnum, StrEnum]]] = {
    ArrivalStatus: frozenset(
        {
            (ArrivalStatus.ARRIVED, ArrivalStatus.NO_SHOW),
            (ArrivalStatus.NO_SHOW, ArrivalStatus.ARRIVED),
        }
    ),
    Disposition: frozenset(
        (current, new)
        for current, targets in TRANSITIONS[Disposition].items()
        if current is not Disposition.PENDING
        for new in targets
    ),
}

_NOUNS = {
    RegistrationStatus: M("term.noun.registration", "registration"),
    RequestStatus: M("term.noun.request", "appointment request"),
    SelectionStatus: M("term.noun.selection", "selection"),
    AppointmentStatus: M("term.noun.appointment", "appointment"),
    FindingStatus: M("term.noun.finding", "finding"),
    ArrivalStatus: M("term.noun.arrival", "arrival"),
    Disposition: M("term.noun.disposition", "disposition"),
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
    M("term.ArrivalStatus.expected", "expected"),
    M("term.ArrivalStatus.arrived", "arrived"),
    M("term.ArrivalStatus.no_show", "no-show"),
    M("term.Disposition.pending", "not recorded yet"),
    M("term.Disposition.processed_nta", "processed with a notice to appear"),
    M("term.Disposition.paroled", "paroled"),
    M("term.Disposition.other", "other"),
    M("term.Disposition.refused", "refused"),
    M("term.Disposition.no_show", "no-show"),
]


def can_move(current: StrEnum, new: StrEnum) -> bool:
    return new in TRANSITIONS[type(new)][type(new)(current)]


def is_correction(current: StrEnum, new: StrEnum) -> bool:
    """Does moving ``current`` to ``new`` change what was recorded (so needs a reason)?"""
    kind = type(new)
    return (kind(current), new) in CORRECTIONS.get(kind, frozenset())


def require(obj: Any, new: StrEnum) -> None:
    """Raise InvalidTransition unless ``obj`` may move to ``new``; change nothing."""
    kind = type(new)
    current = kind(obj.status)
    if not can_move(current, new):
        raise InvalidTransition(thing=_NOUNS[kind], current=current, requested=new)


def move(obj: Any, new: StrEnum, *, reason: str | None = None) -> None:
    """Set ``obj.status`` to ``new`` if the lifecycle allows it, else raise InvalidTransition.

    A correction (:func:`is_correction`) also needs a ``reason`` that is not blank
    (``CorrectionNeedsReason``); the caller keeps the reason with its history.
    """
    require(obj, new)
    if is_correction(obj.status, new) and not (reason or "").strip():
        raise CorrectionNeedsReason(field="reason")
    obj.status = new.value


def correct(obj: Any, new: StrEnum, *, reason: str | None) -> None:
    """Move ``obj`` to ``new`` as a correction, with its reason; anything that is not a
    correction (recording a first disposition, say) raises InvalidTransition."""
    kind = type(new)
    current = kind(obj.status)
    if not is_correction(current, new):
        raise InvalidTransition(thing=_NOUNS[kind], current=current, requested=new)
    move(obj, new, reason=reason)


def amend(obj: Any, kind: type[StrEnum], *, reason: str | None) -> None:
    """Keep ``obj``'s state but correct what was recorded with it (a note, an address).

    A correction too, so it needs a reason; only a state that a correction may leave
    can be amended (a pending disposition has nothing recorded to amend).
    """
    current = kind(obj.status)
    if not any(c == current for c, _ in CORRECTIONS.get(kind, frozenset())):
        raise InvalidTransition(thing=_NOUNS[kind], current=current, requested=current)
    if not (reason or "").strip():
        raise CorrectionNeedsReason(field="reason")
