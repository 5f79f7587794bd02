"""Every state change goes through lifecycle.move; forbidden ones are refused."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from puerta import lifecycle
from puerta.errors import InvalidTransition
from puerta.lifecycle import (
    TRANSITIONS,
    AppointmentStatus,
    RegistrationStatus,
    RequestStatus,
    SelectionStatus,
)


@dataclass
class Thing:
    status: str


ALL = [
    (kind, a, b)
    for kind in (RegistrationStatus, RequestStatus, SelectionStatus, AppointmentStatus)
    for a in kind
    for b in kind
]


@pytest.mark.parametrize(("kind", "current", "new"), ALL)
def test_move_follows_the_table(kind: type, current: str, new: str) -> None:
    thing = Thing(current.value)  # type: ignore[attr-defined]
    allowed = new in TRANSITIONS[kind][current]
    if allowed:
        lifecycle.move(thing, new)  # type: ignore[arg-type]
        assert thing.status == new.value  # type: ignore[attr-defined]
    else:
        with pytest.raises(InvalidTransition):
            lifecycle.move(thing, new)  # type: ignore[arg-type]
        assert thing.status == current.value  # type: ignore[attr-defined]


def test_terminal_states() -> None:
    assert not TRANSITIONS[SelectionStatus][SelectionStatus.EXPIRED]
    assert not TRANSITIONS[AppointmentStatus][AppointmentStatus.CANCELLED]
    assert not TRANSITIONS[RegistrationStatus][RegistrationStatus.WITHDRAWN]
