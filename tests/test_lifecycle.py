"""Every state change goes through lifecycle.move; forbidden ones are refused.

The allowed transitions are written out here as literal data, apart from
``lifecycle.TRANSITIONS``: a change to the table must be made in both places.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest

from puerta import lifecycle
from puerta.errors import InvalidTransition
from puerta.lifecycle import (
    TRANSITIONS,
    AppointmentStatus,
    FindingStatus,
    RegistrationStatus,
    RequestStatus,
    SelectionStatus,
)

EXPECTED: dict[type[StrEnum], dict[str, set[str]]] = {
    RegistrationStatus: {
        "active": {"withdrawn", "deactivated"},
        "deactivated": {"active"},
        "withdrawn": set(),
    },
    RequestStatus: {
        "pooled": {"selected", "not_selected", "withdrawn"},
        "selected": set(),
        "not_selected": set(),
        "withdrawn": set(),
    },
    SelectionStatus: {
        "offered": {"confirmed", "expired", "declined", "withdrawn"},
        "confirmed": set(),
        "expired": set(),
        "declined": set(),
        "withdrawn": set(),
    },
    AppointmentStatus: {
        "booked": {"cancelled"},
        "cancelled": set(),
    },
    # A decided finding can be reopened (an appeal); a new one can be decided at once.
    FindingStatus: {
        "new": {"under_review", "confirmed", "dismissed"},
        "under_review": {"confirmed", "dismissed"},
        "confirmed": {"under_review"},
        "dismissed": {"under_review"},
    },
}


@dataclass
class Thing:
    status: str


def test_every_kind_and_status_is_in_the_expected_table() -> None:
    assert set(TRANSITIONS) == set(EXPECTED)
    for kind, rows in EXPECTED.items():
        assert {s.value for s in kind} == set(rows), kind.__name__


def test_the_table_is_the_one_written_here() -> None:
    for kind, table in TRANSITIONS.items():
        actual = {a.value: {b.value for b in allowed} for a, allowed in table.items()}
        assert actual == EXPECTED[kind], kind.__name__


ALL = [(kind, current, new) for kind, rows in EXPECTED.items() for current in rows for new in rows]


@pytest.mark.parametrize(("kind", "current", "new"), ALL)
def test_move_follows_the_table(kind: type[StrEnum], current: str, new: str) -> None:
    thing = Thing(current)
    if new in EXPECTED[kind][current]:
        lifecycle.move(thing, kind(new))
        assert thing.status == new
    else:
        with pytest.raises(InvalidTransition):
            lifecycle.move(thing, kind(new))
        assert thing.status == current


def test_the_parametrisation_is_not_empty() -> None:
    assert len(ALL) == 3**2 + 4**2 + 5**2 + 2**2 + 4**2  # every ordered pair of each kind
