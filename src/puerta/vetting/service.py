"""Vetting runs: which upcoming travelers need checking, checking them, storing the results.

A traveler is checked after their appointment is booked, and again whenever
what the result depends on changes:

* the records: a new list version (the watch list file changed) makes every
  upcoming appointment due again;
* the traveler: the registration service stamps ``registrations.updated_at``
  on every edit of a traveler's advance information, so an appointment whose
  registration changed after its last check is due again.

``due`` finds both in one statement; the scheduler's job (``vetting`` in
``web/scheduler.py``) vets a batch of them each pass, ``puerta vetting run``
every upcoming one. A run is three steps: ``select_batch`` reads, ``check``
matches holding no session, ``store`` writes; the scheduler runs the first in a
read-only unit of work and the last in a short writing one. Each run writes an
audit row (``vetting.run``, counts only). Vetting never cancels or changes an
appointment: nothing here writes anything but ``vetting_results`` and the audit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.audit import service as audit_service
from puerta.clock import Clock
from puerta.confirmation.models import Appointment
from puerta.lifecycle import AppointmentStatus
from puerta.registration.models import Registration, Traveler
from puerta.vetting.models import VettingResult
from puerta.vetting.records import AdvanceInfo, RecordSource, Result, Verdict
from puerta.vetting.watchlist import WatchList

RUN = "vetting.run"
LOAD = "watchlist.load"
_CHUNK = 1000


@dataclass
class RunCounts:
    """What one run did: appointments and travelers vetted, and travelers per result."""

    list_version: str
    appointments: int = 0
    travelers: int = 0
    results: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "list_version": self.list_version,
            "appointments": self.appointments,
            "travelers": self.travelers,
            "results": {r.value: self.results.get(r.value, 0) for r in Result},
        }


def today_in(timezone: str, clock: Clock) -> date:
    """The service day it is now (appointments of earlier days are no longer upcoming)."""
    return clock.now().astimezone(ZoneInfo(timezone)).date()


def _upcoming(today: date) -> Any:
    return and_(Appointment.status == AppointmentStatus.BOOKED.value, Appointment.day >= today)


def due(
    session: Session, *, version: str, today: date, limit: int | None = None
) -> list[Appointment]:
    """Upcoming booked appointments not checked at ``version`` since their registration
    last changed, earliest first."""
    current = exists().where(
        VettingResult.appointment_id == Appointment.id,
        VettingResult.list_version == version,
        VettingResult.checked_at >= Registration.updated_at,
    )
    query = (
        select(Appointment)
        .join(Registration, Registration.id == Appointment.registration_id)
        .where(_upcoming(today), ~current)
        .order_by(Appointment.day, Appointment.slot_start, Appointment.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def upcoming(session: Session, *, today: date) -> list[Appointment]:
    """Every upcoming booked appointment (``puerta vetting run`` checks them all)."""
    return list(
        session.scalars(
            select(Appointment)
            .where(_upcoming(today))
            .order_by(Appointment.day, Appointment.slot_start, Appointment.id)
        )
    )


def advance_info(traveler: Traveler) -> AdvanceInfo:
    """What vetting reads of a traveler: identity only (no language, no birth country)."""
    return AdvanceInfo(
        given_names=traveler.given_names,
        family_names=traveler.family_names,
        date_of_birth=traveler.date_of_birth,
        sex=traveler.sex,
        citizenship=traveler.citizenship,
    )


def _travelers(session: Session, registration_ids: Sequence[str]) -> dict[str, list[Traveler]]:
    out: dict[str, list[Traveler]] = {}
    ids = sorted(set(registration_ids))
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(Traveler)
            .where(Traveler.registration_id.in_(ids[start : start + _CHUNK]))
            .order_by(Traveler.registration_id, Traveler.position)
        )
        for t in session.scalars(query):
            out.setdefault(t.registration_id, []).append(t)
    return out


@dataclass(frozen=True)
class Batch:
    """What a run read: the appointments, each traveler's advance information, and when.

    ``read_at`` becomes the results' ``checked_at``: a traveler edited while the batch
    was being matched has ``updated_at`` after it, so it is due again next pass.
    """

    appointment_ids: tuple[int, ...]
    travelers: tuple[tuple[int, str, int, AdvanceInfo], ...]
    """(appointment id, registration id, position, advance information)"""
    read_at: datetime


def gather(session: Session, appointments: Sequence[Appointment], *, clock: Clock) -> Batch:
    """Read the travelers of ``appointments`` (one statement per thousand registrations)."""
    travelers = _travelers(session, [a.registration_id for a in appointments])
    return Batch(
        tuple(a.id for a in appointments),
        tuple(
            (a.id, a.registration_id, t.position, advance_info(t))
            for a in appointments
            for t in travelers.get(a.registration_id, [])
        ),
        clock.now(),
    )


def check(batch: Batch, source: RecordSource) -> list[Verdict]:
    """Ask the records about every traveler of ``batch``; needs no session.

    Why apart: matching a few thousand travelers against a large list takes
    seconds, and the scheduler must not hold a transaction (on SQLite, the write
    lock) while it does. ``run`` calls it inside its session; the scheduler
    between a read-only one and a short writing one.
    """
    return source.check([info for *_, info in batch.travelers])


def store(
    session: Session,
    batch: Batch,
    verdicts: Sequence[Verdict],
    *,
    source: RecordSource,
    clock: Clock,
    trigger: str,
    actor: User | None = None,
    audit_empty: bool = False,
) -> RunCounts:
    """Replace the batch's results by ``verdicts`` and write the run's audit row.

    A run that vetted nothing writes no audit row (the scheduler asks every pass)
    unless ``audit_empty`` (``puerta vetting run``: the operator asked).
    """
    ids = list(batch.appointment_ids)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        session.execute(delete(VettingResult).where(VettingResult.appointment_id.in_(part)))
    session.add_all(
        VettingResult(
            appointment_id=appointment_id,
            registration_id=registration_id,
            position=position,
            result=v.result.value,
            evidence=v.evidence(source.source),
            list_version=source.version,
            checked_at=batch.read_at,
        )
        for (appointment_id, registration_id, position, _), v in zip(
            batch.travelers, verdicts, strict=True
        )
    )
    session.flush()
    counts = RunCounts(source.version, len(ids), len(batch.travelers))
    counts.results.update(v.result.value for v in verdicts)
    if ids or audit_empty:
        audit_service.record(
            session,
            actor=actor,
            action=RUN,
            subject_kind="vetting_run",
            subject_id=source.version,
            detail=counts.to_json() | {"source": source.source, "trigger": trigger},
            clock=clock,
        )
    return counts


def select_batch(
    session: Session,
    *,
    source: RecordSource,
    clock: Clock,
    timezone: str,
    everything: bool = False,
    limit: int | None = None,
) -> Batch:
    """The batch a run checks: what is ``due``, or (``everything``) every upcoming one."""
    today = today_in(timezone, clock)
    found = (
        upcoming(session, today=today)
        if everything
        else due(session, version=source.version, today=today, limit=limit)
    )
    return gather(session, found, clock=clock)


def run(
    session: Session,
    *,
    source: RecordSource,
    clock: Clock,
    timezone: str,
    trigger: str,
    everything: bool = False,
    limit: int | None = None,
    actor: User | None = None,
) -> RunCounts:
    """Vet what is due (``everything``: every upcoming appointment) in one session, and
    audit the run. ``trigger`` says who asked (``scheduler``, ``cli``), for the audit."""
    batch = select_batch(
        session, source=source, clock=clock, timezone=timezone, everything=everything, limit=limit
    )
    return store(
        session,
        batch,
        check(batch, source),
        source=source,
        clock=clock,
        trigger=trigger,
        actor=actor,
        audit_empty=everything,
    )


def audit_load(
    session: Session,
    watch_list: WatchList,
    *,
    clock: Clock,
    trigger: str,
    actor: User | None = None,
) -> None:
    """The audit row of loading a list: which file, which version, how many records."""
    audit_service.record(
        session,
        actor=actor,
        action=LOAD,
        subject_kind="watch_list",
        subject_id=watch_list.version,
        detail={
            "path": watch_list.path,
            "records": len(watch_list.records),
            "trigger": trigger,
        },
        clock=clock,
    )
