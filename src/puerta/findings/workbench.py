"""The analysts' workbench reads: the findings queue and the appeals queue.

Why a module beside ``service``: these are the pages' reads, each a fixed number of
statements whatever a page holds (the queue: a count, the page, its ports, its
travelers; the appeals: one), so a busy store costs an analyst no more statements
than a quiet one. ``service`` keeps the writes (upsert, review) and the API's reads.

A finding *touches* a port when any of its travelers' registrations asked for an
appointment there or holds one (``briefing.ports_of`` reads it the same way for the
briefing, finding by finding).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.confirmation.models import Appointment
from puerta.findings.models import Finding, FindingEvent, FindingTraveler
from puerta.findings.service import APPEALED
from puerta.lifecycle import FindingStatus
from puerta.requests.models import AppointmentRequest

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """What the analyst narrowed the queue to; every field optional.

    ``seen_from``/``seen_to`` are days in the reader's zone: a finding is kept when
    the runs that produced it (first to last seen) overlap those days.
    """

    kind: str | None = None
    port: str | None = None
    status: FindingStatus | None = None
    min_score: float | None = None
    seen_from: date | None = None
    seen_to: date | None = None


@dataclass(frozen=True)
class QueueRow:
    finding: Finding
    ports: list[str]
    travelers: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 on an empty page)."""
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def touching(port_code: str) -> Select[tuple[int]]:
    """The ids of the findings that touch ``port_code`` (a subquery, not a list)."""
    booked = (
        select(FindingTraveler.finding_id)
        .join(Appointment, Appointment.registration_id == FindingTraveler.registration_id)
        .where(Appointment.port_code == port_code)
    )
    asked = (
        select(FindingTraveler.finding_id)
        .join(
            AppointmentRequest,
            AppointmentRequest.registration_id == FindingTraveler.registration_id,
        )
        .where(AppointmentRequest.port_code == port_code)
    )
    return select(union(booked, asked).subquery().c.finding_id)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _filtered(filters: QueueFilter, tz: str) -> Select[tuple[Finding]]:
    query = select(Finding)
    zone = ZoneInfo(tz)
    if filters.kind:
        query = query.where(Finding.kind == filters.kind)
    if filters.status:
        query = query.where(Finding.status == FindingStatus(filters.status).value)
    if filters.min_score is not None:
        query = query.where(Finding.score >= filters.min_score)
    if filters.port:
        query = query.where(Finding.id.in_(touching(filters.port.upper())))
    if filters.seen_from:
        query = query.where(Finding.last_seen_at >= _start_of(filters.seen_from, zone))
    if filters.seen_to:
        end = _start_of(filters.seen_to + timedelta(days=1), zone)
        query = query.where(Finding.first_seen_at < end)
    return query


def queue(
    session: Session,
    filters: QueueFilter,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    tz: str = "UTC",
) -> QueuePage:
    """One page of findings, highest score first: four statements whatever the page holds.

    A page past the last gives the last page (a link kept from a longer queue).
    """
    query = _filtered(filters, tz)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    found = list(
        session.scalars(
            query.order_by(Finding.score.desc(), Finding.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    )
    ids = [f.id for f in found]
    ports = ports_of_page(session, ids)
    counts = travelers_per_finding(session, ids)
    rows = [QueueRow(f, sorted(ports.get(f.id, set())), counts.get(f.id, 0)) for f in found]
    return QueuePage(rows, total, page, page_size)


def ports_of_page(session: Session, finding_ids: list[int]) -> dict[int, set[str]]:
    """The ports each finding touches, for a page of findings, in one statement."""
    if not finding_ids:
        return {}
    booked = (
        select(FindingTraveler.finding_id, Appointment.port_code)
        .join(Appointment, Appointment.registration_id == FindingTraveler.registration_id)
        .where(FindingTraveler.finding_id.in_(finding_ids))
    )
    asked = (
        select(FindingTraveler.finding_id, AppointmentRequest.port_code)
        .join(
            AppointmentRequest,
            AppointmentRequest.registration_id == FindingTraveler.registration_id,
        )
        .where(FindingTraveler.finding_id.in_(finding_ids))
    )
    out: dict[int, set[str]] = {}
    for finding_id, port in session.execute(union(booked, asked)):
        out.setdefault(finding_id, set()).add(port)
    return out


def travelers_per_finding(session: Session, finding_ids: list[int]) -> dict[int, int]:
    if not finding_ids:
        return {}
    rows = session.execute(
        select(FindingTraveler.finding_id, func.count())
        .where(FindingTraveler.finding_id.in_(finding_ids))
        .group_by(FindingTraveler.finding_id)
    )
    return {finding_id: int(n) for finding_id, n in rows}


@dataclass(frozen=True)
class Appeal:
    """A decided finding reopened, waiting for a new decision."""

    finding: Finding
    at: datetime
    by: str | None
    """The e-mail of who reopened it (None when the account is gone)."""
    reason: str | None
    decided: str | None = field(default=None)
    """The decision it reopened (``confirmed`` or ``dismissed``)."""


def appeals(session: Session, *, limit: int = 200, offset: int = 0) -> list[Appeal]:
    """Findings reopened after a decision and not decided again, oldest appeal first.

    One statement: each finding's latest ``appealed`` event, joined to the finding
    (still under review) and to who reopened it.
    """
    latest = (
        select(func.max(FindingEvent.id).label("event_id"))
        .where(FindingEvent.action == APPEALED)
        .group_by(FindingEvent.finding_id)
        .subquery()
    )
    rows = session.execute(
        select(FindingEvent, Finding, User.email)
        .join(latest, latest.c.event_id == FindingEvent.id)
        .join(Finding, Finding.id == FindingEvent.finding_id)
        .outerjoin(User, User.id == FindingEvent.actor_id)
        .where(Finding.status == FindingStatus.UNDER_REVIEW.value)
        .order_by(FindingEvent.at, FindingEvent.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        Appeal(finding, event.at, email, event.note, event.from_status)
        for event, finding, email in rows
    ]
