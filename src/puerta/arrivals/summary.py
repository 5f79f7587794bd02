"""A port's day in figures, and how often the notice to appear carried the registered
address: what the day summary page and its API show.

Counted in a few statements (a ``GROUP BY`` each), however busy the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from puerta.arrivals.models import Arrival, TravelerDisposition
from puerta.arrivals.rules import MatchRate
from puerta.confirmation.models import Appointment
from puerta.findings.models import Finding, FindingTraveler
from puerta.lifecycle import AppointmentStatus, ArrivalStatus, Disposition, FindingStatus


@dataclass(frozen=True)
class Count:
    """Groups (appointments) and the travelers in them (their seats)."""

    groups: int = 0
    travelers: int = 0


@dataclass(frozen=True)
class DaySummary:
    port_code: str
    day: date
    expected: Count
    """Every appointment booked for the day (arrived, no-show or still to come)."""
    by_status: dict[ArrivalStatus, Count]
    cancelled: Count
    dispositions: dict[Disposition, int]
    """Travelers by disposition (``pending``: arrived, nothing recorded yet)."""
    address_match: MatchRate
    """The notices to appear of the day that carried the registered address."""
    flagged_address_match: MatchRate
    """The same, of travelers an open flagged finding touches."""

    @property
    def arrived(self) -> Count:
        return self.by_status[ArrivalStatus.ARRIVED]

    @property
    def no_shows(self) -> Count:
        return self.by_status[ArrivalStatus.NO_SHOW]

    @property
    def still_expected(self) -> Count:
        return self.by_status[ArrivalStatus.EXPECTED]


def day_summary(session: Session, *, port_code: str, day: date) -> DaySummary:
    """Expected, arrived, no-shows, dispositions by kind and the address match of one
    port's day. The caller has checked that the reader sees the port."""
    port_code = port_code.upper()
    state = func.coalesce(Arrival.status, ArrivalStatus.EXPECTED.value)
    rows = session.execute(
        select(
            Appointment.status, state, func.count(), func.coalesce(func.sum(Appointment.seats), 0)
        )
        .outerjoin(Arrival, Arrival.appointment_id == Appointment.id)
        .where(Appointment.port_code == port_code, Appointment.day == day)
        .group_by(Appointment.status, state)
    ).all()
    by_status = dict.fromkeys(ArrivalStatus, Count())
    cancelled = Count()
    for booking, status, groups, travelers in rows:
        if booking != AppointmentStatus.BOOKED.value:
            cancelled = Count(cancelled.groups + groups, cancelled.travelers + int(travelers))
            continue
        by_status[ArrivalStatus(status)] = Count(groups, int(travelers))
    expected = Count(
        sum(c.groups for c in by_status.values()), sum(c.travelers for c in by_status.values())
    )
    kinds = session.execute(
        select(TravelerDisposition.status, func.count())
        .join(Appointment, Appointment.id == TravelerDisposition.appointment_id)
        .where(
            Appointment.port_code == port_code,
            Appointment.day == day,
            Appointment.status == AppointmentStatus.BOOKED.value,
        )
        .group_by(TravelerDisposition.status)
    ).all()
    dispositions = dict.fromkeys(Disposition, 0) | {Disposition(k): n for k, n in kinds}
    return DaySummary(
        port_code=port_code,
        day=day,
        expected=expected,
        by_status=by_status,
        cancelled=cancelled,
        dispositions=dispositions,
        address_match=address_match_rate(
            session, since=day, until=day, flagged_only=False, port_code=port_code
        ),
        flagged_address_match=address_match_rate(
            session, since=day, until=day, flagged_only=True, port_code=port_code
        ),
    )


def address_match_rate(
    session: Session,
    *,
    since: date,
    until: date,
    flagged_only: bool,
    port_code: str | None = None,
) -> MatchRate:
    """Of the notices to appear written for arrivals from ``since`` to ``until``
    (appointment days, inclusive), how many carried the address the traveler
    registered in advance; every port unless ``port_code``.

    ``flagged_only``: only travelers an open flagged finding touches (not dismissed,
    not a known shelter): the report's "address matched in 83% of flagged cases".
    """
    matched = func.coalesce(func.sum(case((TravelerDisposition.address_matched, 1), else_=0)), 0)
    query = (
        select(func.count(), matched)
        .select_from(TravelerDisposition)
        .join(Appointment, Appointment.id == TravelerDisposition.appointment_id)
        .where(
            TravelerDisposition.status == Disposition.PROCESSED_NTA.value,
            TravelerDisposition.address_matched.is_not(None),
            Appointment.day >= since,
            Appointment.day <= until,
        )
    )
    if port_code is not None:
        query = query.where(Appointment.port_code == port_code.upper())
    if flagged_only:
        query = query.where(
            exists(
                select(FindingTraveler.finding_id)
                .join(Finding, Finding.id == FindingTraveler.finding_id)
                .where(
                    and_(
                        FindingTraveler.registration_id == Appointment.registration_id,
                        FindingTraveler.position == TravelerDisposition.position,
                        Finding.flagged.is_(True),
                        Finding.status != FindingStatus.DISMISSED.value,
                    )
                )
            )
        )
    total, hits = session.execute(query).one()
    return MatchRate(matched=int(hits), total=int(total))
