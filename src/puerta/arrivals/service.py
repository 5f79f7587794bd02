"""What an officer sees: the arrivals of their port, and lookup by code.

Who may see a port is declared on the routes (``PortScope``, ``PortPage``); lookup
by code applies the same scope to the appointment's port.

An arrival is shown from a :class:`LoadedArrival`: the appointment with everything
its view needs, loaded for a whole list at once (:func:`load`), so that the JSON
views and the console's pages shape the same values and never read row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from puerta.accounts import service as accounts_service
from puerta.accounts.models import User
from puerta.confirmation.models import Appointment
from puerta.errors import AppointmentCodeNotFound
from puerta.faces import service as faces_service
from puerta.faces.models import LiveFaceCheck
from puerta.findings import briefing
from puerta.findings import service as findings_service
from puerta.findings.models import Finding
from puerta.ids import normalise_code
from puerta.registration.models import Registration
from puerta.vetting import results as vetting_results
from puerta.vetting.models import VettingResult


@dataclass(frozen=True)
class LoadedArrival:
    """An appointment and what an officer's view of it shows, already read."""

    appointment: Appointment
    registration: Registration
    #: Open findings touching the registration, from every port, highest score first.
    findings: list[Finding] = field(default_factory=list)
    #: The live photo's comparison with the registered photos (None: not confirmed here).
    face_check: LiveFaceCheck | None = None
    #: Per finding id, the *other* ports its registrations asked for or were booked at.
    seen_at: dict[int, list[str]] = field(default_factory=dict)
    #: The travelers' pre-arrival vetting results (``puerta.vetting``), when vetted.
    vetting: list[VettingResult] = field(default_factory=list)


def list_for_port(session: Session, *, port_code: str, day: date) -> list[Appointment]:
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.port_code == port_code.upper(), Appointment.day == day)
            .order_by(Appointment.slot_start, Appointment.id)
        )
    )


def registrations_with_travelers(
    session: Session, registration_ids: Sequence[str]
) -> dict[str, Registration]:
    """The registrations of a day's arrivals and their travelers, in two statements.

    Why: loaded one by one, a port's list cost two statements per arrival (the
    registration, then its travelers); a busy port has hundreds a day.
    """
    out: dict[str, Registration] = {}
    for start in range(0, len(registration_ids), 1000):
        part = list(registration_ids[start : start + 1000])
        query = (
            select(Registration)
            .where(Registration.id.in_(part))
            .options(selectinload(Registration.travelers))
        )
        out |= {r.id: r for r in session.scalars(query)}
    return out


def load(session: Session, appointments: Sequence[Appointment]) -> list[LoadedArrival]:
    """Everything the officer's view of ``appointments`` needs, in a fixed number of
    statements however many there are (registrations, travelers, findings, the ports
    the findings were seen at, face checks, vetting results: one each per thousand)."""
    rids = [a.registration_id for a in appointments]
    registrations = registrations_with_travelers(session, rids)
    touching = findings_service.for_registrations(session, rids)
    finding_ids = sorted({f.id for found in touching.values() for f in found})
    ports = briefing.ports_of(session, finding_ids)
    faces = faces_service.checks_for_appointments(session, [a.id for a in appointments])
    vetted = vetting_results.for_appointments(session, [a.id for a in appointments])
    out = []
    for a in appointments:
        findings = touching.get(a.registration_id, [])
        out.append(
            LoadedArrival(
                appointment=a,
                registration=registrations[a.registration_id],
                findings=findings,
                face_check=faces.get(a.id),
                vetting=vetted.get(a.id) or [],
                seen_at={f.id: sorted(ports.get(f.id, set()) - {a.port_code}) for f in findings},
            )
        )
    return out


def arrivals_for_port(session: Session, *, port_code: str, day: date) -> list[LoadedArrival]:
    """A port's arrivals on ``day``, each loaded for the officer's view."""
    return load(session, list_for_port(session, port_code=port_code, day=day))


def find_by_code(session: Session, *, user: User, code: str) -> Appointment:
    appointment = session.scalar(
        select(Appointment).where(Appointment.code == normalise_code(code))
    )
    # Another port's code reads as "not found" to an officer, so codes cannot be probed.
    if appointment is None or not accounts_service.sees_port(user, appointment.port_code):
        raise AppointmentCodeNotFound(field="code")
    return appointment


def arrival_by_code(session: Session, *, user: User, code: str) -> LoadedArrival:
    """One arrival by its confirmation code, in ``user``'s scope, loaded for their view."""
    return load(session, [find_by_code(session, user=user, code=code)])[0]
