"""Every state change goes through lifecycle.move; forbidden ones are refused.

The allowed transitions are written out here as literal data, apart from
``lifecycle.TRANSITIONS``: a change to the table must be made in both places.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puerta import lifecycle
from puerta.errors import CorrectionNeedsReason, InvalidTransition
from puerta.lifecycle import (
    CORRECTIONS,
    TRANSITIONS,
    AppointmentStatus,
    ArrivalStatus,
    Disposition,
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
    # Checked in or marked absent; either can be corrected into the other.
    ArrivalStatus: {
        "expected": {"arrived", "no_show"},
        "arrived": {"no_show"},
        "no_show": {"arrived"},
    },
    # Pending until recorded; any recorded disposition can be corrected to another, and
    # a no-show back to pending (the group came after all).
    Disposition: {
        "pending": {"processed_nta", "paroled", "other", "refused", "no_show"},
        "processed_nta": {"paroled", "other", "refused", "no_show"},
        "paroled": {"processed_nta", "other", "refused", "no_show"},
        "other": {"processed_nta", "paroled", "refused", "no_show"},
        "refused": {"processed_nta", "paroled", "other", "no_show"},
        "no_show": {"processed_nta", "paroled", "other", "refused", "pending"},
    },
}
#: The transitions that change what was recorded, and so need a reason.
EXPECTED_CORRECTIONS: dict[type[StrEnum], set[tuple[str, str]]] = {
    ArrivalStatus: {("arrived", "no_show"), ("no_show", "arrived")},
    Disposition: {
        (a, b) for a, targets in EXPECTED[Disposition].items() if a != "pending" for b in targets
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
        lifecycle.move(thing, kind(new), reason="a reason")
        assert thing.status == new
    else:
        with pytest.raises(InvalidTransition):
            lifecycle.move(thing, kind(new))
        assert thing.status == current


def test_the_parametrisation_is_not_empty() -> None:
    assert len(ALL) == 3**2 + 4**2 + 5**2 + 2**2 + 4**2 + 3**2 + 6**2  # every ordered pair


def test_the_corrections_are_the_ones_written_here() -> None:
    assert set(CORRECTIONS) == set(EXPECTED_CORRECTIONS)
    for kind, pairs in CORRECTIONS.items():
        assert {(a.value, b.value) for a, b in pairs} == EXPECTED_CORRECTIONS[kind]


CORRECTING = sorted(
    ((kind, a, b) for kind, pairs in EXPECTED_CORRECTIONS.items() for a, b in pairs),
    key=lambda c: (c[0].__name__, c[1], c[2]),
)


@pytest.mark.parametrize(("kind", "current", "new"), CORRECTING)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_correction_without_a_reason_changes_nothing(
    kind: type[StrEnum], current: str, new: str, reason: str | None
) -> None:
    thing = Thing(current)
    with pytest.raises(CorrectionNeedsReason) as refused:
        lifecycle.move(thing, kind(new), reason=reason)
    assert refused.value.field == "reason"
    with pytest.raises(CorrectionNeedsReason):
        lifecycle.correct(thing, kind(new), reason=reason)
    assert thing.status == current


def test_recording_needs_no_reason_and_is_not_a_correction() -> None:
    thing = Thing("pending")
    with pytest.raises(InvalidTransition):
        lifecycle.correct(thing, Disposition.PAROLED, reason="typo")
    lifecycle.move(thing, Disposition.PAROLED)
    assert thing.status == "paroled"
    arrival = Thing("expected")
    lifecycle.move(arrival, ArrivalStatus.ARRIVED)
    assert arrival.status == "arrived"


def test_amending_keeps_the_state_and_needs_a_reason() -> None:
    thing = Thing("processed_nta")
    with pytest.raises(CorrectionNeedsReason):
        lifecycle.amend(thing, Disposition, reason=" ")
    lifecycle.amend(thing, Disposition, reason="street misspelt on the notice")
    assert thing.status == "processed_nta"
    with pytest.raises(InvalidTransition):  # nothing recorded yet: nothing to amend
        lifecycle.amend(Thing("pending"), Disposition, reason="x")


@given(
    st.lists(
        st.tuples(st.sampled_from(list(Disposition)), st.sampled_from([None, "", "why"])),
        max_size=30,
    )
)
def test_any_sequence_of_disposition_changes_keeps_the_rules(
    steps: list[tuple[Disposition, str | None]],
) -> None:
    """Whatever an officer tries, in any order: a change happens only when the table
    allows it, and a correction only with a reason; a refusal changes nothing."""
    thing = Thing("pending")
    for new, reason in steps:
        before = thing.status
        allowed = new.value in EXPECTED[Disposition][before]
        correcting = (before, new.value) in EXPECTED_CORRECTIONS[Disposition]
        try:
            lifecycle.move(thing, new, reason=reason)
        except (InvalidTransition, CorrectionNeedsReason):
            assert thing.status == before
            assert not allowed or (correcting and not (reason or "").strip())
        else:
            assert allowed
            assert not correcting or reason == "why"
            assert thing.status == new.value
