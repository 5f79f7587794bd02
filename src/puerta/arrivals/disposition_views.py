"""The officers' API for check-in, dispositions and the day summary.

Every route is under ``/ports/{port_code}``: ``PortScope`` refuses an officer of
another port (403, before anything is looked up), and the code is looked up at that
port only (another port's code: 404, as the lookup by code answers).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session

from puerta.arrivals import checkin, summary
from puerta.arrivals.models import TravelerDisposition
from puerta.arrivals.schemas import (
    CheckInIn,
    CorrectionIn,
    CountOut,
    DaySummaryOut,
    DispositionIn,
    EventOut,
    MatchRateOut,
    NoShowIn,
    NoticeAddressOut,
    ProcessOut,
    TravelerDispositionOut,
)
from puerta.audit import service as audit_service
from puerta.confirmation.models import Appointment
from puerta.errors import (
    AppointmentCancelled,
    AppointmentCodeNotFound,
    ArrivalNotCheckedIn,
    CorrectionNeedsReason,
    DispositionAlreadyRecorded,
    DispositionNeedsNote,
    InvalidTransition,
    NoticeAddressRequired,
    TravelerNotFound,
)
from puerta.lifecycle import Disposition
from puerta.web.deps import ClockDep, DbSession, Officer, PortScope, ReadSession, client_ip
from puerta.web.openapi import raises
from puerta.web.params import ServiceDay

router = APIRouter(prefix="/api/v1/ports/{port_code}", tags=["ports"])

Position = Annotated[int, Path(ge=0, le=99)]
ARRIVAL = "/appointments/{code}"


def _notice(row: TravelerDisposition) -> NoticeAddressOut | None:
    if row.notice_address_key is None:
        return None
    return NoticeAddressOut(
        address_line1=row.notice_address_line1 or "",
        address_line2=row.notice_address_line2,
        city=row.notice_city or "",
        state=row.notice_state or "",
        zip_code=row.notice_zip_code,
        key=row.notice_address_key,
        matched=bool(row.address_matched),
    )


def process_out(db: Session, appointment: Appointment) -> ProcessOut:
    process = checkin.process_of(db, appointment)
    arrival = process.arrival
    return ProcessOut(
        code=appointment.code,
        port_code=appointment.port_code,
        day=appointment.day,
        status=process.status.value,
        checked_in_at=arrival.checked_in_at if arrival else None,
        checked_in_by=arrival.checked_in_by if arrival else None,
        travelers=[
            TravelerDispositionOut(
                position=row.position,
                disposition=Disposition(row.status),
                note=row.note,
                recorded_at=row.recorded_at,
                recorded_by=row.recorded_by,
                notice_address=_notice(row),
            )
            for _, row in sorted(process.dispositions.items())
        ],
        history=[
            EventOut(
                at=e.at,
                actor_id=e.actor_id,
                position=e.position,
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.note,
                reason=e.reason,
            )
            for e in process.history
        ],
    )


@router.get(ARRIVAL + "/process")
@raises(AppointmentCodeNotFound)
def get_process(
    request: Request, port: PortScope, code: str, user: Officer, db: ReadSession, clock: ClockDep
) -> ProcessOut:
    """The arrival's state, each traveler's disposition (with the address on a notice to
    appear) and the history. Audited as a read of the arrival."""
    appointment = checkin.find(db, user=user, port_code=port.code, code=code)
    out = process_out(db, appointment)
    # A GET's unit of work only reads: the row is written in a short one of its own,
    # committed before the answer leaves.
    with request.app.state.db.session() as own:
        audit_service.record(
            own,
            actor=user,
            action="arrival.read",
            subject_kind="appointment",
            subject_id=appointment.code,
            port_code=appointment.port_code,
            ip=client_ip(request),
            detail={"view": "process"},
            clock=clock,
        )
    return out


@router.post(ARRIVAL + "/check-in")
@raises(AppointmentCodeNotFound, AppointmentCancelled, InvalidTransition, CorrectionNeedsReason)
def check_in(
    request: Request,
    port: PortScope,
    code: str,
    user: Officer,
    db: DbSession,
    clock: ClockDep,
    body: CheckInIn | None = None,
) -> ProcessOut:
    """Mark the group arrived at the limit line, now. A group marked no-show is checked
    in as a correction, with a ``reason``."""
    appointment = checkin.find(db, user=user, port_code=port.code, code=code)
    checkin.check_in(
        db,
        appointment=appointment,
        officer=user,
        clock=clock,
        reason=body.reason if body else None,
        ip=client_ip(request),
    )
    db.flush()
    return process_out(db, appointment)


@router.post(ARRIVAL + "/no-show")
@raises(AppointmentCodeNotFound, ArrivalNotCheckedIn, CorrectionNeedsReason)
def correct_to_no_show(
    request: Request,
    port: PortScope,
    code: str,
    body: NoShowIn,
    user: Officer,
    db: DbSession,
    clock: ClockDep,
) -> ProcessOut:
    """Undo a check-in made by mistake (a correction): every traveler becomes a no-show."""
    appointment = checkin.find(db, user=user, port_code=port.code, code=code)
    checkin.correct_to_no_show(
        db,
        appointment=appointment,
        reason=body.reason,
        officer=user,
        clock=clock,
        ip=client_ip(request),
    )
    db.flush()
    return process_out(db, appointment)


DISPOSITION_ERRORS = (
    AppointmentCodeNotFound,
    ArrivalNotCheckedIn,
    TravelerNotFound,
    DispositionNeedsNote,
    NoticeAddressRequired,
    InvalidTransition,
)


@router.post(ARRIVAL + "/travelers/{position}/disposition")
@raises(*DISPOSITION_ERRORS, DispositionAlreadyRecorded)
def record_disposition(
    request: Request,
    port: PortScope,
    code: str,
    position: Position,
    body: DispositionIn,
    user: Officer,
    db: DbSession,
    clock: ClockDep,
) -> ProcessOut:
    """Record one traveler's disposition, once (a change afterwards is a correction)."""
    appointment = checkin.find(db, user=user, port_code=port.code, code=code)
    checkin.record_disposition(
        db,
        appointment=appointment,
        position=position,
        disposition=Disposition(body.disposition),
        note=body.note,
        notice=body.notice_address.value() if body.notice_address else None,
        officer=user,
        clock=clock,
        ip=client_ip(request),
    )
    db.flush()
    return process_out(db, appointment)


@router.post(ARRIVAL + "/travelers/{position}/disposition/correct")
@raises(*DISPOSITION_ERRORS, CorrectionNeedsReason)
def correct_disposition(
    request: Request,
    port: PortScope,
    code: str,
    position: Position,
    body: CorrectionIn,
    user: Officer,
    db: DbSession,
    clock: ClockDep,
) -> ProcessOut:
    """Correct a recorded disposition (or its note or notice address), with the reason."""
    appointment = checkin.find(db, user=user, port_code=port.code, code=code)
    checkin.correct_disposition(
        db,
        appointment=appointment,
        position=position,
        disposition=Disposition(body.disposition),
        note=body.note,
        notice=body.notice_address.value() if body.notice_address else None,
        reason=body.reason,
        officer=user,
        clock=clock,
        ip=client_ip(request),
    )
    db.flush()
    return process_out(db, appointment)


def summary_out(found: summary.DaySummary) -> DaySummaryOut:
    def count(c: summary.Count) -> CountOut:
        return CountOut(groups=c.groups, travelers=c.travelers)

    def rate(r: summary.MatchRate) -> MatchRateOut:
        return MatchRateOut(matched=r.matched, total=r.total, rate=r.rate)

    return DaySummaryOut(
        port_code=found.port_code,
        date=found.day,
        expected=count(found.expected),
        arrived=count(found.arrived),
        no_shows=count(found.no_shows),
        still_expected=count(found.still_expected),
        cancelled=count(found.cancelled),
        dispositions={k.value: n for k, n in found.dispositions.items()},
        address_match=rate(found.address_match),
        flagged_address_match=rate(found.flagged_address_match),
    )


@router.get("/summary")
def day_summary(port: PortScope, date: ServiceDay, db: ReadSession) -> DaySummaryOut:
    """The port's day in figures: expected, arrived, no-shows, dispositions by kind, and
    how many notices to appear carried the registered address (all, and flagged cases)."""
    return summary_out(summary.day_summary(db, port_code=port.code, day=date))
