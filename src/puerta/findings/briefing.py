"""A port's briefing: the arrivals of the next 72 hours and what the analysis found.

The report's "Holders of Interest" in spirit, with two differences: each entry
carries the evidence and a plain explanation, and it shows what was seen at
*other* ports, which no single port could see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.confirmation.models import Appointment
from puerta.findings import service as findings_service
from puerta.findings.models import Finding, FindingTraveler
from puerta.lifecycle import AppointmentStatus
from puerta.registration.models import Registration
from puerta.requests.models import AppointmentRequest

HOURS = 72


@dataclass
class BriefFinding:
    id: int
    kind: str
    score: float
    status: str
    explanation: str
    other_ports: list[str]


@dataclass
class BriefArrival:
    code: str
    day: str
    slot_start: str
    registration_id: str
    travelers: list[str]
    findings: list[BriefFinding] = field(default_factory=list)


@dataclass
class Briefing:
    port_code: str
    start: str
    end: str
    arrivals: list[BriefArrival]

    @property
    def flagged(self) -> list[BriefArrival]:
        return [a for a in self.arrivals if a.findings]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = {"arrivals": len(self.arrivals), "with_findings": len(self.flagged)}
        return data


def ports_of(session: Session, finding_ids: list[int]) -> dict[int, set[str]]:
    """The ports each finding's registrations asked for or were booked at."""
    links = session.execute(
        select(FindingTraveler.finding_id, FindingTraveler.registration_id).where(
            FindingTraveler.finding_id.in_(finding_ids)
        )
    ).all()
    rids = sorted({rid for _, rid in links})
    port_by_rid: dict[str, set[str]] = {}
    for model, column in (
        (Appointment, Appointment.port_code),
        (AppointmentRequest, AppointmentRequest.port_code),
    ):
        for start in range(0, len(rids), 1_000):
            for rid, port in session.execute(
                select(model.registration_id, column).where(
                    model.registration_id.in_(rids[start : start + 1_000])
                )
            ):
                port_by_rid.setdefault(rid, set()).add(port)
    result: dict[int, set[str]] = {}
    for fid, rid in links:
        result.setdefault(fid, set()).update(port_by_rid.get(rid, set()))
    return result


def build(session: Session, *, port_code: str, start: date, hours: int = HOURS) -> Briefing:
    days = max(1, hours // 24)
    end = start + timedelta(days=days)
    appointments = list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.port_code == port_code,
                Appointment.day >= start,
                Appointment.day < end,
                Appointment.status == AppointmentStatus.BOOKED.value,
            )
            .order_by(Appointment.day, Appointment.slot_start, Appointment.id)
        )
    )
    rids = [a.registration_id for a in appointments]
    touching = findings_service.for_registrations(session, rids)
    all_ids = sorted({f.id for fs in touching.values() for f in fs})
    ports = ports_of(session, all_ids) if all_ids else {}
    arrivals = []
    for a in appointments:
        registration = session.get(Registration, a.registration_id)
        names = (
            [f"{t.given_names} {t.family_names}" for t in registration.travelers]
            if registration
            else []
        )
        arrivals.append(
            BriefArrival(
                code=a.code,
                day=a.day.isoformat(),
                slot_start=a.slot_start.strftime("%H:%M"),
                registration_id=a.registration_id,
                travelers=names,
                findings=[
                    _brief(f, ports.get(f.id, set()), port_code)
                    for f in touching.get(a.registration_id, [])
                ],
            )
        )
    return Briefing(port_code, start.isoformat(), end.isoformat(), arrivals)


def _brief(finding: Finding, ports: set[str], here: str) -> BriefFinding:
    return BriefFinding(
        id=finding.id,
        kind=finding.kind,
        score=round(finding.score, 3),
        status=finding.status,
        explanation=finding.explanation,
        other_ports=sorted(ports - {here}),
    )


def to_markdown(briefing: Briefing) -> str:
    lines = [
        f"# Briefing for {briefing.port_code}: {briefing.start} to {briefing.end} (72 h)",
        "",
        f"{len(briefing.arrivals)} arrivals; {len(briefing.flagged)} with findings.",
        "",
        "Findings guide the interview. They are not decisions: nobody is refused on a finding.",
        "",
    ]
    for arrival in briefing.flagged:
        lines.append(
            f"## {arrival.day} {arrival.slot_start} · code {arrival.code} · "
            f"{', '.join(arrival.travelers)}"
        )
        for f in arrival.findings:
            elsewhere = f" Also seen at: {', '.join(f.other_ports)}." if f.other_ports else ""
            lines.append(
                f"- **{f.kind}** (score {f.score}, {f.status}): {f.explanation}{elsewhere}"
            )
        lines.append("")
    if not briefing.flagged:
        lines.append("No arrival in this window is touched by an open finding.")
    return "\n".join(lines) + "\n"
