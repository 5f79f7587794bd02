"""The day summary's figures and the address match rate (all, and flagged only)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from puerta.arrivals import checkin, summary
from puerta.arrivals.rules import NoticeAddress
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.findings import service as findings_service
from puerta.lifecycle import ArrivalStatus, Disposition
from tests.arrivals.world import CLOSED, DAY, OPEN, PortDay, book, port_day
from tests.findings.test_findings import cluster

HOME = NoticeAddress("1 Main St.", None, "Austin", "tx")  # as registered, written otherwise
SHELTER = NoticeAddress("500 Shelter Rd", None, "San Diego", "CA")


@pytest.fixture
def day(db: Database, settings: Settings, clock: FrozenClock) -> PortDay:
    clock.set(OPEN)
    return port_day(db, settings, clock)


def _nta(
    db: Database, day: PortDay, clock: FrozenClock, code: str, *notices: NoticeAddress
) -> None:
    with db.session() as s:
        appointment = day.appointment(s, code)
        checkin.check_in(s, appointment=appointment, officer=day.officer(s), clock=clock)
        for position, notice in enumerate(notices):
            checkin.record_disposition(
                s,
                appointment=appointment,
                position=position,
                disposition=Disposition.PROCESSED_NTA,
                notice=notice,
                officer=day.officer(s),
                clock=clock,
            )


def test_a_days_figures(db: Database, day: PortDay, settings: Settings, clock: FrozenClock) -> None:
    book(db, settings, clock, code="SYSB000001", travelers=3)
    book(db, settings, clock, code="SYSD000001", travelers=1)
    book(db, settings, clock, code="SYSN000001", day=DAY + timedelta(days=1), travelers=4)
    _nta(db, day, clock, day.code, HOME, SHELTER)
    with db.session() as s:
        appointment = day.appointment(s, "SYSB000001")
        checkin.check_in(s, appointment=appointment, officer=day.officer(s), clock=clock)
        checkin.record_disposition(
            s,
            appointment=appointment,
            position=0,
            disposition=Disposition.REFUSED,
            officer=day.officer(s),
            clock=clock,
        )
        checkin.mark_no_shows(s, now=CLOSED)  # SYSD000001 did not come
    with db.session() as s:
        got = summary.day_summary(s, port_code="sys", day=DAY)
    assert (got.expected.groups, got.expected.travelers) == (3, 6)
    assert (got.arrived.groups, got.arrived.travelers) == (2, 5)
    assert (got.no_shows.groups, got.no_shows.travelers) == (1, 1)
    assert got.still_expected.groups == 0
    assert (got.cancelled.groups, got.cancelled.travelers) == (1, 1)
    assert got.dispositions == {
        Disposition.PENDING: 2,
        Disposition.PROCESSED_NTA: 2,
        Disposition.PAROLED: 0,
        Disposition.OTHER: 0,
        Disposition.REFUSED: 1,
        Disposition.NO_SHOW: 1,
    }
    assert (got.address_match.matched, got.address_match.total) == (1, 2)
    assert got.address_match.rate == 0.5
    assert set(got.by_status) == set(ArrivalStatus)


@pytest.mark.usefixtures("day")
def test_an_empty_day(db: Database) -> None:
    with db.session() as s:
        got = summary.day_summary(s, port_code="ELP", day=DAY)
    assert got.expected.groups == 0
    assert got.address_match.rate is None
    assert sum(got.dispositions.values()) == 0


def test_the_match_rate_of_flagged_cases(
    db: Database, day: PortDay, settings: Settings, clock: FrozenClock
) -> None:
    """Only travelers an open flagged finding touches count as flagged: a dismissed
    finding, or one on a known shelter (unflagged), leaves them out."""
    flagged = book(db, settings, clock, code="SYSF000001", travelers=1)
    book(db, settings, clock, code="SYSG000001", travelers=1, day=DAY + timedelta(days=2))
    _nta(db, day, clock, day.code, SHELTER, SHELTER)  # not flagged, no match
    _nta(db, day, clock, "SYSF000001", HOME)  # flagged, matched
    with db.session() as s:
        findings_service.upsert(s, [cluster([flagged])], clock=clock)
        findings_service.upsert(s, [cluster([day.registration_id], flagged=False)], clock=clock)
    clock.set(OPEN + timedelta(days=2))
    _nta(db, day, clock, "SYSG000001", SHELTER)
    with db.session() as s:
        whole = summary.address_match_rate(s, since=DAY, until=DAY, flagged_only=False)
        flagged_rate = summary.address_match_rate(s, since=DAY, until=DAY, flagged_only=True)
        later = summary.address_match_rate(
            s, since=DAY, until=DAY + timedelta(days=2), flagged_only=False
        )
        elsewhere = summary.address_match_rate(
            s, since=DAY, until=DAY, flagged_only=False, port_code="ELP"
        )
    assert (whole.matched, whole.total) == (1, 3)
    assert (flagged_rate.matched, flagged_rate.total) == (1, 1)
    assert (later.matched, later.total) == (1, 4)
    assert elsewhere.total == 0


def test_a_corrected_notice_counts_as_corrected(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _nta(db, day, clock, day.code, SHELTER)
    with db.session() as s:
        checkin.correct_disposition(
            s,
            appointment=day.appointment(s),
            position=0,
            disposition=Disposition.PROCESSED_NTA,
            notice=HOME,
            reason="wrote the shelter by mistake",
            officer=day.officer(s),
            clock=clock,
        )
        rate = summary.address_match_rate(s, since=DAY, until=DAY, flagged_only=False)
    assert (rate.matched, rate.total) == (1, 1)
