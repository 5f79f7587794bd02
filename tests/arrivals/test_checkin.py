"""Check-in and dispositions on the store (SQLite and PostgreSQL): the states, the
history, the notice's address, port scope and the refusals."""

from __future__ import annotations

import pytest

from puerta.arrivals import checkin
from puerta.arrivals.models import Arrival, ArrivalEvent, TravelerDisposition
from puerta.arrivals.rules import NoticeAddress
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.errors import (
    AppointmentCancelled,
    AppointmentCodeNotFound,
    ArrivalNotCheckedIn,
    CorrectionNeedsReason,
    DispositionAlreadyRecorded,
    DispositionNeedsNote,
    InvalidTransition,
    NoticeAddressRequired,
    OutsidePortScope,
    TravelerNotFound,
)
from puerta.lifecycle import Disposition
from tests.arrivals.world import OPEN, PortDay, port_day

#: The advance address every traveler of ``tests.draw.world.person`` registered.
REGISTERED = NoticeAddress("1 Main Street", None, "austin", "TX")
ELSEWHERE = NoticeAddress("77 Elm St", "Apt 2", "Houston", "TX", "77002")


@pytest.fixture
def day(db: Database, settings: Settings, clock: FrozenClock) -> PortDay:
    clock.set(OPEN)
    return port_day(db, settings, clock)


def _checked_in(db: Database, day: PortDay, clock: FrozenClock) -> None:
    with db.session() as s:
        checkin.check_in(s, appointment=day.appointment(s), officer=day.officer(s), clock=clock)


def test_check_in_records_the_time_the_officer_and_pending_travelers(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _checked_in(db, day, clock)
    with db.session() as s:
        appointment = day.appointment(s)
        process = checkin.process_of(s, appointment)
        assert process.status == "arrived"
        assert process.arrival is not None
        assert process.arrival.checked_in_at == OPEN
        assert process.arrival.checked_in_by == day.officer_id
        assert {p: d.status for p, d in process.dispositions.items()} == {
            0: "pending",
            1: "pending",
        }
        assert [(e.position, e.from_status, e.to_status) for e in process.history] == [
            (None, "expected", "arrived")
        ]


def test_a_group_is_checked_in_once(db: Database, day: PortDay, clock: FrozenClock) -> None:
    _checked_in(db, day, clock)
    with db.session() as s, pytest.raises(InvalidTransition):
        checkin.check_in(s, appointment=day.appointment(s), officer=day.officer(s), clock=clock)


def test_a_cancelled_appointment_cannot_be_checked_in(db: Database, day: PortDay) -> None:
    with db.session() as s:
        cancelled = day.appointment(s, day.cancelled_code)
        with pytest.raises(AppointmentCancelled) as refused:
            checkin.check_in(
                s, appointment=cancelled, officer=day.officer(s), clock=FrozenClock(OPEN)
            )
        assert refused.value.status == 409
        assert s.get(Arrival, cancelled.id) is None


def test_find_applies_the_port_scope_as_not_found(db: Database, day: PortDay) -> None:
    with db.session() as s:
        assert (
            checkin.find(s, user=day.officer(s), port_code="sys", code="sysa-0000-01").code
            == day.code
        )
        assert checkin.find(s, user=day.analyst(s), port_code="SYS", code=day.code).code == day.code
        with pytest.raises(AppointmentCodeNotFound):  # another port's officer
            checkin.find(s, user=day.other_officer(s), port_code="SYS", code=day.code)
        with pytest.raises(AppointmentCodeNotFound):  # the code is not at the path's port
            checkin.find(s, user=day.analyst(s), port_code="ELP", code=day.code)
        with pytest.raises(AppointmentCodeNotFound):
            checkin.find(s, user=day.officer(s), port_code="SYS", code="NOSUCHCODE")


def test_every_use_case_refuses_an_officer_of_another_port(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _checked_in(db, day, clock)
    with db.session() as s:
        appointment, other = day.appointment(s), day.other_officer(s)
        with pytest.raises(OutsidePortScope):
            checkin.check_in(s, appointment=appointment, officer=other, clock=clock)
        with pytest.raises(OutsidePortScope):
            checkin.record_disposition(
                s,
                appointment=appointment,
                position=0,
                disposition=Disposition.PAROLED,
                officer=other,
                clock=clock,
            )
        with pytest.raises(OutsidePortScope):
            checkin.correct_disposition(
                s,
                appointment=appointment,
                position=0,
                disposition=Disposition.PAROLED,
                reason="x",
                officer=other,
                clock=clock,
            )


def test_no_disposition_before_check_in(db: Database, day: PortDay, clock: FrozenClock) -> None:
    with db.session() as s, pytest.raises(ArrivalNotCheckedIn):
        checkin.record_disposition(
            s,
            appointment=day.appointment(s),
            position=0,
            disposition=Disposition.PAROLED,
            officer=day.officer(s),
            clock=clock,
        )


def test_a_disposition_per_traveler_with_its_history(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _checked_in(db, day, clock)
    clock.advance(minutes=20)
    with db.session() as s:
        appointment, officer = day.appointment(s), day.officer(s)
        checkin.record_disposition(
            s,
            appointment=appointment,
            position=0,
            disposition=Disposition.PROCESSED_NTA,
            notice=REGISTERED,
            officer=officer,
            clock=clock,
        )
        checkin.record_disposition(
            s,
            appointment=appointment,
            position=1,
            disposition=Disposition.OTHER,
            note="  sent to secondary inspection ",
            officer=officer,
            clock=clock,
        )
    with db.session() as s:
        process = checkin.process_of(s, day.appointment(s))
        nta, other = process.dispositions[0], process.dispositions[1]
        assert (nta.status, nta.address_matched, nta.notice_address_key) == (
            "processed_nta",
            True,
            "1 MAIN ST||AUSTIN|TX",
        )
        assert (nta.notice_address_line1, nta.notice_city) == ("1 Main Street", "austin")
        assert nta.recorded_by == day.officer_id
        assert nta.recorded_at == clock.now()
        assert (other.status, other.note, other.notice_address_key) == (
            "other",
            "sent to secondary inspection",
            None,
        )
        assert [(e.position, e.from_status, e.to_status, e.note) for e in process.history][1:] == [
            (0, "pending", "processed_nta", None),
            (1, "pending", "other", "sent to secondary inspection"),
        ]


def test_other_needs_a_note_and_nta_needs_the_notice_address(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _checked_in(db, day, clock)
    with db.session() as s:
        appointment, officer = day.appointment(s), day.officer(s)
        with pytest.raises(DispositionNeedsNote):
            checkin.record_disposition(
                s,
                appointment=appointment,
                position=1,
                disposition=Disposition.OTHER,
                note="   ",
                officer=officer,
                clock=clock,
            )
        with pytest.raises(NoticeAddressRequired):
            checkin.record_disposition(
                s,
                appointment=appointment,
                position=0,
                disposition=Disposition.PROCESSED_NTA,
                officer=officer,
                clock=clock,
            )
        with pytest.raises(NoticeAddressRequired):
            checkin.record_disposition(
                s,
                appointment=appointment,
                position=0,
                disposition=Disposition.PROCESSED_NTA,
                notice=NoticeAddress(" ", None, "Austin", "TX"),
                officer=officer,
                clock=clock,
            )
        with pytest.raises(TravelerNotFound):
            checkin.record_disposition(
                s,
                appointment=appointment,
                position=7,
                disposition=Disposition.PAROLED,
                officer=officer,
                clock=clock,
            )


def test_an_address_only_for_a_notice_to_appear(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _checked_in(db, day, clock)
    with db.session() as s:
        row = checkin.record_disposition(
            s,
            appointment=day.appointment(s),
            position=0,
            disposition=Disposition.PAROLED,
            notice=ELSEWHERE,
            officer=day.officer(s),
            clock=clock,
        )
        assert (row.notice_address_line1, row.notice_address_key, row.address_matched) == (
            None,
            None,
            None,
        )


def test_recorded_once_then_corrected_with_a_reason(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _checked_in(db, day, clock)
    with db.session() as s:
        appointment, officer = day.appointment(s), day.officer(s)
        checkin.record_disposition(
            s,
            appointment=appointment,
            position=0,
            disposition=Disposition.PROCESSED_NTA,
            notice=ELSEWHERE,
            officer=officer,
            clock=clock,
        )
        with pytest.raises(DispositionAlreadyRecorded):
            checkin.record_disposition(
                s,
                appointment=appointment,
                position=0,
                disposition=Disposition.PAROLED,
                officer=officer,
                clock=clock,
            )
        with pytest.raises(CorrectionNeedsReason):
            checkin.correct_disposition(
                s,
                appointment=appointment,
                position=0,
                disposition=Disposition.PAROLED,
                reason="  ",
                officer=officer,
                clock=clock,
            )
        with pytest.raises(InvalidTransition):  # nothing recorded for traveler 1 yet
            checkin.correct_disposition(
                s,
                appointment=appointment,
                position=1,
                disposition=Disposition.PAROLED,
                reason="why",
                officer=officer,
                clock=clock,
            )
    clock.advance(minutes=5)
    with db.session() as s:
        row = checkin.correct_disposition(
            s,
            appointment=day.appointment(s),
            position=0,
            disposition=Disposition.PAROLED,
            reason="Paroled on the supervisor's decision",
            officer=day.officer(s),
            clock=clock,
        )
        assert (row.status, row.notice_address_key, row.address_matched) == ("paroled", None, None)
    with db.session() as s:
        last = checkin.process_of(s, day.appointment(s)).history[-1]
        assert (last.position, last.from_status, last.to_status, last.reason) == (
            0,
            "processed_nta",
            "paroled",
            "Paroled on the supervisor's decision",
        )
        assert last.actor_id == day.officer_id
        assert last.at == clock.now()


def test_the_notice_address_is_amended_as_a_correction(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _checked_in(db, day, clock)
    with db.session() as s:
        appointment, officer = day.appointment(s), day.officer(s)
        checkin.record_disposition(
            s,
            appointment=appointment,
            position=0,
            disposition=Disposition.PROCESSED_NTA,
            notice=ELSEWHERE,
            officer=officer,
            clock=clock,
        )
        with pytest.raises(CorrectionNeedsReason):
            checkin.correct_disposition(
                s,
                appointment=appointment,
                position=0,
                disposition=Disposition.PROCESSED_NTA,
                notice=REGISTERED,
                reason=None,
                officer=officer,
                clock=clock,
            )
        row = checkin.correct_disposition(
            s,
            appointment=appointment,
            position=0,
            disposition=Disposition.PROCESSED_NTA,
            notice=REGISTERED,
            reason="typed the wrong street",
            officer=officer,
            clock=clock,
        )
        assert (row.status, row.address_matched) == ("processed_nta", True)


def test_a_check_in_made_by_mistake_is_corrected_to_a_no_show(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _checked_in(db, day, clock)
    with db.session() as s:
        appointment, officer = day.appointment(s), day.officer(s)
        checkin.record_disposition(
            s,
            appointment=appointment,
            position=0,
            disposition=Disposition.PAROLED,
            officer=officer,
            clock=clock,
        )
        with pytest.raises(CorrectionNeedsReason):
            checkin.correct_to_no_show(
                s, appointment=appointment, reason="", officer=officer, clock=clock
            )
        checkin.correct_to_no_show(
            s,
            appointment=appointment,
            reason="wrong group checked in",
            officer=officer,
            clock=clock,
        )
    with db.session() as s:
        process = checkin.process_of(s, day.appointment(s))
        assert process.status == "no_show"
        assert {d.status for d in process.dispositions.values()} == {"no_show"}
        reasons = {e.position: e.reason for e in process.history if e.to_status == "no_show"}
        assert reasons == {None: "wrong group checked in", 0: "wrong group checked in", 1: None}


def test_rows_are_only_written_through_the_use_cases(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    """A refused call writes nothing (the caller rolls back; nothing is flushed half-way)."""
    with db.session() as s:
        cancelled = day.appointment(s, day.cancelled_code)
        with pytest.raises(AppointmentCancelled):
            checkin.check_in(s, appointment=cancelled, officer=day.officer(s), clock=clock)
        assert s.query(ArrivalEvent).count() == 0
        assert s.query(TravelerDisposition).count() == 0
