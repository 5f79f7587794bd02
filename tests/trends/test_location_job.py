"""The trends job writes location findings from the store; officers see them at their port."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from puerta.accounts.models import Role
from puerta.config import Settings
from puerta.confirmation.models import LivenessCheck
from puerta.demo import synthetic_portrait
from puerta.findings import briefing
from puerta.findings.models import Finding as FindingRow
from puerta.findings.value import IMPOSSIBLE_TRAVEL, LOCATION_KINDS
from puerta.requests.models import AppointmentRequest
from puerta.trends import job
from tests.api_support import Api, portrait_for, traveler

pytestmark = pytest.mark.committing  # the job reads the store through the exporter

VISIT = date(2026, 3, 18)
#: Asked from Tijuana, as the page sends it (five decimals, with the phone's accuracy).
ASKED = {"latitude": 32.51234, "longitude": -117.03456, "accuracy_m": 15.0, "device_id": "P-1"}
#: ... and confirmed an hour later from Matamoros, 2,000 km away.
CONFIRMED = {"latitude": 25.86901, "longitude": -97.50271, "accuracy_m": 12, "device_id": "P-1"}
NEARBY = {"latitude": 32.51301, "longitude": -117.03512, "accuracy_m": 9}


def _registration(api: Api, token: str, given: str) -> str:
    """One traveler of their own (the draw counts persons: two Anas would be one)."""
    body = {"travelers": [traveler(given_names=given, family_names=f"{given} Example")]}
    r = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    api.photo(token, rid, 0, portrait_for(rid, 0))
    return rid


def _confirm(api: Api, token: str, rid: str, where: dict[str, object]) -> None:
    r = api.client.post(
        f"/api/v1/registrations/{rid}/selection/confirm",
        files={"live_photo": ("l.png", synthetic_portrait(hash(rid) % 10_000), "image/png")},
        data={k: str(v) for k, v in where.items()},
        headers=api.auth(token),
    )
    assert r.status_code == 200, r.text


def test_impossible_travel_reaches_the_officers_hotlist_and_briefing(
    api: Api, settings: Settings
) -> None:
    from tests.api.test_journey import run_draw

    far, near = api.sign_up_verified("far@example.org"), api.sign_up_verified("near@example.org")
    rid_far, rid_near = _registration(api, far, "Marta"), _registration(api, near, "Jonas")
    assert api.request(far, rid_far, "SYS", **ASKED).status_code == 201  # type: ignore[arg-type]
    assert api.request(near, rid_near, "SYS", **ASKED).status_code == 201  # type: ignore[arg-type]
    run_draw(api, settings)
    _confirm(api, far, rid_far, CONFIRMED)
    _confirm(api, near, rid_near, NEARBY)
    with api.db.session() as s:  # the evidence is kept as the device sent it
        asked = s.scalars(select(AppointmentRequest).order_by(AppointmentRequest.id)).first()
        assert asked is not None
        assert asked.accuracy_m == 15.0
        check = s.scalars(select(LivenessCheck).order_by(LivenessCheck.id)).first()
        assert check is not None
        assert (check.accuracy_m, check.device_id) == (12.0, "P-1")

    result, counts = job.run(api.db, clock=api.clock, with_identity=False)
    assert result.counts.get(IMPOSSIBLE_TRAVEL) == 1
    assert counts.created == len(result.findings)
    with api.db.session() as s:
        stored = s.scalars(select(FindingRow).where(FindingRow.kind.in_(LOCATION_KINDS))).all()
        assert [(f.kind, f.evidence["distance_km"] > 1_900) for f in stored] == [
            (IMPOSSIBLE_TRAVEL, True)
        ]
    # A re-run finds the same finding by its key: nothing new.
    _, again = job.run(api.db, clock=api.clock, with_identity=False)
    assert again.created == 0

    officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    arrivals = api.client.get(
        "/api/v1/ports/SYS/appointments",
        params={"date": VISIT.isoformat()},
        headers=api.auth(officer),
    ).json()
    by_rid = {a["registration_id"]: a["findings"] for a in arrivals}
    assert [f["kind"] for f in by_rid[rid_far]] == [IMPOSSIBLE_TRAVEL]
    assert by_rid[rid_near] == []
    shown = by_rid[rid_far][0]
    assert shown["explanation_codes"] == [
        "explain.impossible_travel.moved",
        "explain.location.ask",
    ]
    assert "2,0" in shown["explanation"]
    assert "faster than travel by road" in shown["explanation"]
    assert "never a reason to refuse anyone" in shown["explanation"]
    md = api.client.get(
        "/api/v1/ports/SYS/briefing",
        params={"start": VISIT.isoformat(), "format": "markdown"},
        headers=api.auth(officer),
    ).text
    assert "impossible_travel" in md
    assert "32.51234, -117.03456" in md
    with api.db.session() as s:
        built = briefing.build(s, port_code="SYS", start=VISIT)
    assert {a.registration_id for a in built.flagged} == {rid_far}
