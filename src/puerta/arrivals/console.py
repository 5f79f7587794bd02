"""The console's view of an arrival: :class:`~puerta.arrivals.views.ArrivalOut` (the JSON
officers' API gives) plus what only a page shows (each traveler's advance information,
photo addresses, names of kinds and states in the reader's language).

Why a layer over ``ArrivalOut`` rather than a second shaping: the page and the API must
say the same about an arrival (the findings, their explanation, the face check, the
vetting result when the vetting step gives one), so the page starts from the API's
value and only adds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from fastapi import Request

from puerta.arrivals.service import LoadedArrival
from puerta.arrivals.views import ArrivalOut, arrival_out
from puerta.clock import Clock
from puerta.findings import value as kinds
from puerta.i18n import M, Message
from puerta.i18n.translate import term
from puerta.lifecycle import AppointmentStatus, FindingStatus
from puerta.registration.models import Traveler
from puerta.web.language import locale_of, say

#: Each finding kind's name on a badge.
KIND_NAMES: dict[str, Message] = {
    kinds.ADDRESS_CLUSTER: M("staff.kind.address_cluster", "Shared address"),
    kinds.KNOWN_ADDRESS: M("staff.kind.known_address", "Known address"),
    kinds.DUPLICATE_PERSON: M("staff.kind.duplicate_person", "Same person registered twice"),
    kinds.POSSIBLE_DUPLICATE_PERSON: M(
        "staff.kind.possible_duplicate_person", "Maybe the same person twice"
    ),
    kinds.REGISTRATION_BURST: M("staff.kind.registration_burst", "Burst of registrations"),
    kinds.SHARED_CONTACT_RING: M("staff.kind.shared_contact_ring", "Shared contacts"),
    kinds.SHARED_SERVICE_CONTACT: M("staff.kind.shared_service_contact", "Service contact"),
    kinds.IMPOSSIBLE_TRAVEL: M("staff.kind.impossible_travel", "Impossible travel"),
    kinds.SHARED_COORDINATES: M("staff.kind.shared_coordinates", "Shared coordinates"),
    kinds.IMPLAUSIBLE_LOCATION: M("staff.kind.implausible_location", "Implausible location"),
    kinds.DEVICE_JUMP: M("staff.kind.device_jump", "Device jump"),
    kinds.SAME_FACE: M("staff.kind.same_face", "Same face"),
}
SEX_NAMES: dict[str, Message] = {
    "F": M("staff.sex.female", "Female"),
    "M": M("staff.sex.male", "Male"),
    "X": M("staff.sex.other", "Another, or not said"),
}


def port_today(clock: Clock, zone: str) -> date:
    """Today at the port: its own wall clock, not the server's."""
    return clock.now().astimezone(ZoneInfo(zone)).date()


def state_name(enum: type[StrEnum], value: str, locale: str) -> str:
    """A stored state in the reader's language (a state this code does not know: as stored)."""
    try:
        return term(enum(value), locale)
    except ValueError:
        return value


@dataclass(frozen=True)
class TravelerView:
    """One traveler of an arrival, as the console shows them."""

    number: int
    position: int
    name: str
    details: Traveler
    photo_url: str | None
    citizenship: str
    country_of_birth: str
    language: str
    sex: str
    vetting: Any = None
    """The vetting step's result for this traveler, when ``ArrivalOut`` carries one."""


@dataclass(frozen=True)
class FindingView:
    id: int
    kind: str
    kind_name: str
    status: str
    score: float
    explanation: str
    seen_at: list[str]
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ArrivalView:
    out: ArrivalOut
    status: str
    travelers: list[TravelerView]
    findings: list[FindingView]
    live_photo_url: str | None
    detail_url: str
    process_url: str


def _names(locale: str) -> tuple[dict[str, str], dict[str, str]]:
    parsed = Locale.parse(locale)
    return dict(parsed.territories), dict(parsed.languages)


def _vetting_by_position(out: ArrivalOut) -> dict[int, Any]:
    """``ArrivalOut.vetting`` (the pre-arrival vetting step's), by traveler, if present."""
    return {v.position: v for v in getattr(out, "vetting", None) or []}


def arrival_view(request: Request, loaded: LoadedArrival) -> ArrivalView:
    """An arrival for a console page, from the same value the JSON views give."""
    out = arrival_out(request, loaded)
    locale = locale_of(request)
    countries, languages = _names(locale)
    vetted = _vetting_by_position(out)
    code, port = out.code, out.port_code
    photos = {t.position: t.has_photo for t in out.travelers}
    rid = out.registration_id
    travelers = [
        TravelerView(
            number=t.position + 1,
            position=t.position,
            name=f"{t.given_names} {t.family_names}",
            details=t,
            photo_url=(
                f"/staff/photos/registered/{rid}/{t.position}" if photos.get(t.position) else None
            ),
            citizenship=countries.get(t.citizenship, t.citizenship),
            country_of_birth=countries.get(t.country_of_birth, t.country_of_birth),
            language=languages.get(t.language.split("-")[0], t.language),
            sex=say(request, SEX_NAMES[t.sex]) if t.sex in SEX_NAMES else t.sex,
            vetting=vetted.get(t.position),
        )
        for t in loaded.registration.travelers
    ]
    evidence = {f.id: dict(f.evidence or {}) for f in loaded.findings}
    findings = [
        FindingView(
            id=f.id,
            kind=f.kind,
            kind_name=say(request, KIND_NAMES[f.kind]) if f.kind in KIND_NAMES else f.kind,
            status=state_name(FindingStatus, f.status, locale),
            score=f.score,
            explanation=f.explanation,
            seen_at=f.seen_at,
            evidence=evidence.get(f.id, {}),
        )
        for f in out.findings
    ]
    return ArrivalView(
        out=out,
        status=state_name(AppointmentStatus, out.status, locale),
        travelers=travelers,
        findings=findings,
        live_photo_url=f"/staff/photos/live/{code}" if loaded.face_check is not None else None,
        detail_url=f"/staff/ports/{port}/arrivals/{code}",
        process_url=f"/staff/ports/{port}/arrivals/{code}/process",
    )


def evidence_rows(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """A finding's evidence as (name, value) rows for a table: the stored keys as they
    are (the analysts' words), values flattened to short text."""
    rows = []
    for key, value in evidence.items():
        if isinstance(value, list):
            shown = ", ".join(_short(v) for v in value[:12])
            if len(value) > 12:
                shown += f", … (+{len(value) - 12})"
        else:
            shown = _short(value)
        rows.append((str(key).replace("_", " "), shown))
    return rows


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_short(v)}" for k, v in list(value.items())[:6])
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"
