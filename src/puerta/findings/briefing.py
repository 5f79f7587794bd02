"""A port's briefing: the arrivals of the next 72 hours and what the analysis found.

The report's "Holders of Interest" in spirit, with two differences: each entry
carries the evidence and a plain explanation, and it shows what was seen at
*other* ports, which no single port could see.

``build`` is language-free: each finding keeps its explanation as catalog
sentences. ``Briefing.to_json`` and ``to_markdown`` render them (and the
markdown's own words) in the reader's language.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from puerta.confirmation.models import Appointment
from puerta.faces import messages as face_messages
from puerta.faces import service as faces_service
from puerta.faces.matcher import Verdict
from puerta.findings import explain
from puerta.findings import service as findings_service
from puerta.findings.models import Finding, FindingTraveler
from puerta.i18n import M, Message, render
from puerta.i18n.translate import DEFAULT_TZ, SOURCE_LOCALE
from puerta.lifecycle import AppointmentStatus, FindingStatus
from puerta.registration.models import Registration
from puerta.requests.models import AppointmentRequest
from puerta.vetting import messages as vetting_messages
from puerta.vetting import results as vetting_results
from puerta.vetting.results import TravelerVetting

HOURS = 72

TITLE = M("briefing.title", "Briefing for {port_code}: {start} to {end} ({hours} h)")
SUMMARY = M("briefing.summary", "{arrivals} arrivals; {with_findings} with findings.")
NOT_DECISIONS = M(
    "briefing.not_decisions",
    "Findings guide the interview. They are not decisions: nobody is refused on a finding.",
)
ARRIVAL = M("briefing.arrival", "{day} {slot_start} · code {code} · {travelers}")
ENTRY = M("briefing.entry", "**{kind}** (score {score}, {status}): {explanation}")
ALSO_SEEN = M("briefing.also_seen", "Also seen at: {ports}.")
NOTHING = M("briefing.nothing", "No arrival in this window is touched by an open finding.")
FACE = M("briefing.face", "Face check: {summary}")
VETTING = M("staff.vetting.briefing.line", "Watch list, {traveler}: {result}. {explanation}")
VETTING_SUMMARY = M(
    "staff.vetting.briefing.summary",
    "{travelers} travelers with a watch-list result to look at.",
)


@dataclass
class BriefFinding:
    id: int
    kind: str
    score: float
    status: str
    explanation: list[dict[str, Any]]
    """Catalog sentences (``findings.explain``), rendered by ``to_json`` / ``to_markdown``."""
    other_ports: list[str]

    def render(self, locale: str, tz: str) -> str:
        return explain.render_explanation(self.explanation, locale=locale, tz=tz)

    def to_json(self, locale: str, tz: str) -> dict[str, Any]:
        data = asdict(self)
        data |= {
            "explanation": self.render(locale, tz),
            "explanation_codes": explain.codes(self.explanation),
            "explanation_params": explain.params_of(self.explanation),
        }
        return data


@dataclass
class BriefArrival:
    code: str
    day: str
    slot_start: str
    registration_id: str
    travelers: list[str]
    findings: list[BriefFinding] = field(default_factory=list)
    face_check: dict[str, Any] | None = None
    """The live photo against the registered photos (``puerta.faces``), as stored."""
    vetting: list[TravelerVetting] = field(default_factory=list)
    """Each traveler's pre-arrival vetting (``puerta.vetting``), as stored."""

    @property
    def vetting_flagged(self) -> list[TravelerVetting]:
        """Travelers with a possible match or a match: to look at before they arrive."""
        return [v for v in self.vetting if v.flagged]

    def vetting_json(self, locale: str, tz: str) -> list[dict[str, Any]]:
        def say(message: Message, params: dict[str, Any]) -> str:
            return render(message, params, locale=locale, tz=tz)

        out = []
        for v in self.vetting:
            entry = v.explained(say)
            entry["checked_at"] = v.checked_at.isoformat() if v.checked_at else None
            out.append(entry)
        return out

    @property
    def face_flagged(self) -> bool:
        """A live photo that matches no traveler: worth a look at the door, no more."""
        return bool(self.face_check and self.face_check["verdict"] == Verdict.DIFFERENT)

    def face_summary(self, locale: str, tz: str) -> str | None:
        if self.face_check is None:
            return None
        fields = {k: v for k, v in self.face_check.items() if k != "live_photo"}
        message, params = face_messages.live_sentence(**fields)
        return render(message, params, locale=locale, tz=tz)


@dataclass
class Briefing:
    port_code: str
    start: str
    end: str
    arrivals: list[BriefArrival]

    @property
    def flagged(self) -> list[BriefArrival]:
        return [a for a in self.arrivals if a.findings]

    @property
    def listed(self) -> list[BriefArrival]:
        """Arrivals the markdown lists: touched by a finding, a face that differs, or a
        traveler with a watch-list result."""
        return [a for a in self.arrivals if a.findings or a.face_flagged or a.vetting_flagged]

    def to_json(self, *, locale: str = SOURCE_LOCALE, tz: str = DEFAULT_TZ) -> dict[str, Any]:
        """The briefing as JSON, each explanation rendered in ``locale`` beside its codes."""
        data = asdict(self)
        for arrival, out in zip(self.arrivals, data["arrivals"], strict=True):
            out["findings"] = [f.to_json(locale, tz) for f in arrival.findings]
            if arrival.face_check is not None:
                out["face_check"] = arrival.face_check | {
                    "summary": arrival.face_summary(locale, tz)
                }
            out["vetting"] = arrival.vetting_json(locale, tz)
        data["summary"] = {
            "arrivals": len(self.arrivals),
            "with_findings": len(self.flagged),
            "face_different": sum(a.face_flagged for a in self.arrivals),
            "vetting_flagged": sum(len(a.vetting_flagged) for a in self.arrivals),
        }
        return data


def ports_of(session: Session, finding_ids: list[int]) -> dict[int, set[str]]:
    """The ports each finding's registrations asked for or were booked at.

    One statement per thousand findings, and one for none: the officers' arrivals list
    costs the same statements whatever touches its arrivals.
    """
    result: dict[int, set[str]] = {}
    ids = list(finding_ids)
    for start in range(0, max(len(ids), 1), 1_000):
        part = ids[start : start + 1_000]
        booked = (
            select(FindingTraveler.finding_id, Appointment.port_code)
            .join(Appointment, Appointment.registration_id == FindingTraveler.registration_id)
            .where(FindingTraveler.finding_id.in_(part))
        )
        asked = (
            select(FindingTraveler.finding_id, AppointmentRequest.port_code)
            .join(
                AppointmentRequest,
                AppointmentRequest.registration_id == FindingTraveler.registration_id,
            )
            .where(FindingTraveler.finding_id.in_(part))
        )
        for fid, port in session.execute(union(booked, asked)):
            result.setdefault(fid, set()).add(port)
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
    faces = faces_service.checks_for_appointments(session, [a.id for a in appointments])
    vetted = vetting_results.for_appointments(session, [a.id for a in appointments])
    arrivals = []
    for a in appointments:
        registration = session.get(Registration, a.registration_id)
        travelers = registration.travelers if registration else []
        names = [f"{t.given_names} {t.family_names}" for t in travelers]
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
                face_check=_face(faces.get(a.id)),
                vetting=vetting_results.per_traveler(
                    [t.position for t in travelers], vetted.get(a.id, [])
                ),
            )
        )
    return Briefing(port_code, start.isoformat(), end.isoformat(), arrivals)


def _face(check: Any) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "status": check.status,
        "verdict": check.verdict,
        "distance": check.distance,
        "threshold": check.threshold,
        "traveler_position": check.traveler_position,
        "quality": list(check.quality or []),
        "live_photo": check.live_status,
    }


def _brief(finding: Finding, ports: set[str], here: str) -> BriefFinding:
    return BriefFinding(
        id=finding.id,
        kind=finding.kind,
        score=round(finding.score, 3),
        status=finding.status,
        explanation=list(finding.explanation or []),
        other_ports=sorted(ports - {here}),
    )


def to_markdown(briefing: Briefing, *, locale: str = SOURCE_LOCALE, tz: str = DEFAULT_TZ) -> str:
    """The briefing for a person, in ``locale`` (its dates and explanations too)."""

    def say(message: Message, **params: Any) -> str:
        return render(message, params, locale=locale, tz=tz)

    lines = [
        "# "
        + say(
            TITLE,
            port_code=briefing.port_code,
            start=date.fromisoformat(briefing.start),
            end=date.fromisoformat(briefing.end),
            hours=HOURS,
        ),
        "",
        say(SUMMARY, arrivals=len(briefing.arrivals), with_findings=len(briefing.flagged)),
        "",
    ]
    looked_at = sum(len(a.vetting_flagged) for a in briefing.arrivals)
    if looked_at:
        lines += [say(VETTING_SUMMARY, travelers=looked_at), ""]
    lines += [say(NOT_DECISIONS), ""]
    for arrival in briefing.listed:
        heading = say(
            ARRIVAL,
            day=date.fromisoformat(arrival.day),
            slot_start=time.fromisoformat(arrival.slot_start),
            code=arrival.code,
            travelers=arrival.travelers,
        )
        lines.append(f"## {heading}")
        for f in arrival.findings:
            entry = say(
                ENTRY,
                kind=f.kind,
                score=f.score,
                status=_status(f.status),
                explanation=f.render(locale, tz),
            )
            if f.other_ports:
                entry += " " + say(ALSO_SEEN, ports=f.other_ports)
            lines.append(f"- {entry}")
        if arrival.face_flagged:
            lines.append("- " + say(FACE, summary=arrival.face_summary(locale, tz)))
        # One entry per traveler, both in position order (``per_traveler``).
        for traveler, v in zip(arrival.travelers, arrival.vetting, strict=False):
            if not v.flagged:
                continue
            explanation = " ".join(
                say(m, **p) for m, p in vetting_messages.sentences(v.result, v.evidence)
            )
            result = vetting_messages.result_name(v.result)
            line = say(VETTING, traveler=traveler, result=result, explanation=explanation)
            lines.append(f"- {line}")
        lines.append("")
    if not briefing.listed:
        lines.append(say(NOTHING))
    return "\n".join(lines) + "\n"


def _status(value: str) -> FindingStatus | str:
    try:
        return FindingStatus(value)
    except ValueError:
        return value
