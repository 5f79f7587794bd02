"""The per-partner report: volumes per partner per day beside everyone's, so that no
partner quietly becomes a registration farm.

A partner legitimately registers many people from one office, so the per-address and
per-device caps leave it alone (``registration.service.Channel``); this report is what
watches it instead. For each partner and day: registrations and travelers (by the day
they were made, in ``Settings.timezone``), requests and selections (by pool date), its
share of the day's registrations over every channel, the other partners' median, its
own median over the 7 days before, and selection rates (a fair draw gives a partner's
people the same chance as anyone's: a higher rate is worth a look). A day is flagged
``jump`` when the partner made at least ``partner_report_min_volume`` registrations
and ``partner_report_jump_factor`` times its own baseline, and ``above_peers`` when as
far above the other partners' median. Flags are for an admin to look at; nothing is
refused because of them.

Example:
    >>> from datetime import date
    >>> d = [date(2026, 3, i) for i in range(1, 9)]
    >>> days = {(1, x): Volume(registrations=5) for x in d[:7]}
    >>> days[(1, d[7])] = Volume(registrations=40)
    >>> days[(2, d[7])] = Volume(registrations=4)
    >>> rows = assess(days, {d[7]: Volume(registrations=100)}, days=[d[7]],
    ...               jump_factor=3, min_volume=20)
    >>> [(r.organisation_id, r.flags) for r in rows]
    [(1, ('jump', 'above_peers')), (2, ())]
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from puerta.config import Settings
from puerta.draw.models import Selection
from puerta.errors import ReportRangeTooLong
from puerta.partners.models import AssistedRegistration, PartnerOrganisation
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest

MAX_DAYS = 92
BASELINE_DAYS = 7


@dataclass(frozen=True)
class Volume:
    registrations: int = 0
    travelers: int = 0
    requests: int = 0
    selections: int = 0

    def __add__(self, other: Volume) -> Volume:
        return Volume(
            self.registrations + other.registrations,
            self.travelers + other.travelers,
            self.requests + other.requests,
            self.selections + other.selections,
        )

    @property
    def any(self) -> bool:
        return bool(self.registrations or self.travelers or self.requests or self.selections)


@dataclass(frozen=True)
class Row:
    day: date
    organisation_id: int
    volume: Volume
    share_of_registrations: float
    peers_median_registrations: float
    baseline_registrations: float
    selection_rate: float | None
    rest_selection_rate: float | None
    flags: tuple[str, ...] = field(default=())


def _rate(selections: int, requests: int) -> float | None:
    return selections / requests if requests else None


def assess(
    partner_days: Mapping[tuple[int, date], Volume],
    totals: Mapping[date, Volume],
    *,
    days: list[date],
    jump_factor: float,
    min_volume: int,
) -> list[Row]:
    """Pure: one row per partner and day of ``days`` with any volume, compared with the
    day's totals (every channel), the other partners and its own 7 days before.
    ``partner_days`` may hold earlier days too: they are the baselines."""
    organisations = sorted({org for org, _ in partner_days})
    rows: list[Row] = []
    for day in days:
        total = totals.get(day, Volume())
        today = {org: partner_days.get((org, day), Volume()) for org in organisations}
        for org in organisations:
            volume = today[org]
            if not volume.any:
                continue
            peers = [v.registrations for o, v in today.items() if o != org]
            peers_median = float(statistics.median(peers)) if peers else 0.0
            before = [
                partner_days.get((org, day - timedelta(days=n)), Volume()).registrations
                for n in range(1, BASELINE_DAYS + 1)
            ]
            baseline = float(statistics.median(before))
            flags = []
            if volume.registrations >= min_volume:
                if volume.registrations >= jump_factor * max(baseline, 1.0):
                    flags.append("jump")
                if peers and volume.registrations >= jump_factor * max(peers_median, 1.0):
                    flags.append("above_peers")
            rest = Volume(
                requests=total.requests - volume.requests,
                selections=total.selections - volume.selections,
            )
            rows.append(
                Row(
                    day=day,
                    organisation_id=org,
                    volume=volume,
                    share_of_registrations=(
                        volume.registrations / total.registrations if total.registrations else 0.0
                    ),
                    peers_median_registrations=peers_median,
                    baseline_registrations=baseline,
                    selection_rate=_rate(volume.selections, volume.requests),
                    rest_selection_rate=_rate(rest.selections, rest.requests),
                    flags=tuple(flags),
                )
            )
    return rows


# --- reading the store ------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    rows: list[Row]
    totals: dict[date, Volume]
    names: dict[int, str]


def _bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _partner_volumes(
    session: Session, first: date, end: date, zone: ZoneInfo
) -> dict[tuple[int, date], Volume]:
    out: dict[tuple[int, date], Volume] = defaultdict(Volume)
    lo, _ = _bounds(first, zone)
    _, hi = _bounds(end, zone)
    made = session.execute(
        select(
            AssistedRegistration.organisation_id,
            AssistedRegistration.created_at,
            func.count(Traveler.id),
        )
        .join(Traveler, Traveler.registration_id == AssistedRegistration.registration_id)
        .where(AssistedRegistration.created_at >= lo, AssistedRegistration.created_at < hi)
        .group_by(
            AssistedRegistration.registration_id,
            AssistedRegistration.organisation_id,
            AssistedRegistration.created_at,
        )
    )
    for org, created_at, travelers in made:
        key = (org, created_at.astimezone(zone).date())
        out[key] += Volume(registrations=1, travelers=travelers)
    org = AssistedRegistration.organisation_id
    asked = session.execute(
        select(org, AppointmentRequest.pool_date, func.count())
        .join(
            AppointmentRequest,
            AppointmentRequest.registration_id == AssistedRegistration.registration_id,
        )
        .where(AppointmentRequest.pool_date >= first, AppointmentRequest.pool_date <= end)
        .group_by(org, AppointmentRequest.pool_date)
    )
    for organisation_id, pool_date, n in asked:
        out[(organisation_id, pool_date)] += Volume(requests=n)
    chosen = session.execute(
        select(org, AppointmentRequest.pool_date, func.count())
        .join(
            AppointmentRequest,
            AppointmentRequest.registration_id == AssistedRegistration.registration_id,
        )
        .join(Selection, Selection.request_id == AppointmentRequest.id)
        .where(AppointmentRequest.pool_date >= first, AppointmentRequest.pool_date <= end)
        .group_by(org, AppointmentRequest.pool_date)
    )
    for organisation_id, pool_date, n in chosen:
        out[(organisation_id, pool_date)] += Volume(selections=n)
    return dict(out)


def _totals(session: Session, days: list[date], zone: ZoneInfo) -> dict[date, Volume]:
    """Every channel's volumes per day: one indexed count per day for registrations (the
    day is local), one grouped count for requests and one for selections (by pool date)."""
    out: dict[date, Volume] = {}
    for day in days:
        lo, hi = _bounds(day, zone)
        registrations, travelers = session.execute(
            select(func.count(func.distinct(Registration.id)), func.count(Traveler.id))
            .select_from(Registration)
            .join(Traveler, Traveler.registration_id == Registration.id)
            .where(Registration.created_at >= lo, Registration.created_at < hi)
        ).one()
        out[day] = Volume(registrations=registrations, travelers=travelers)
    first, last = days[0], days[-1]
    in_range = (AppointmentRequest.pool_date >= first, AppointmentRequest.pool_date <= last)
    for pool_date, n in session.execute(
        select(AppointmentRequest.pool_date, func.count())
        .where(*in_range)
        .group_by(AppointmentRequest.pool_date)
    ):
        out[pool_date] = replace(out[pool_date], requests=n)
    for pool_date, n in session.execute(
        select(AppointmentRequest.pool_date, func.count())
        .join(Selection, Selection.request_id == AppointmentRequest.id)
        .where(*in_range)
        .group_by(AppointmentRequest.pool_date)
    ):
        out[pool_date] = replace(out[pool_date], selections=n)
    return out


def build(session: Session, *, start: date, end: date, settings: Settings) -> Report:
    """The report for ``start`` to ``end`` (inclusive, at most 92 days)."""
    if end < start or (end - start).days >= MAX_DAYS:
        raise ReportRangeTooLong(days=MAX_DAYS, field="end")
    zone = ZoneInfo(settings.timezone)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    partner_days = _partner_volumes(session, start - timedelta(days=BASELINE_DAYS), end, zone)
    totals = _totals(session, days, zone)
    rows = assess(
        partner_days,
        totals,
        days=days,
        jump_factor=settings.partner_report_jump_factor,
        min_volume=settings.partner_report_min_volume,
    )
    query = select(PartnerOrganisation.id, PartnerOrganisation.name)
    names = {row[0]: row[1] for row in session.execute(query)}
    return Report(start, end, rows, totals, names)
