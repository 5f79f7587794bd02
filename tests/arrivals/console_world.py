"""Two booked groups for the console's tests: two travelers at San Ysidro (SYS) and one at
Hidalgo (HID), both confirmed with a live photo, and one address finding touching both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from puerta.config import Settings
from puerta.demo import synthetic_portrait
from puerta.findings import service as findings_service
from tests.api.test_journey import run_draw
from tests.api_support import TIJUANA, Api, portrait_for, traveler
from tests.findings.test_findings import cluster

VISIT = date(2026, 3, 18)
LIVE_SEEDS = {"SYS": 771, "HID": 772}


@dataclass(frozen=True)
class Booked:
    code: str
    registration_id: str
    live_photo: bytes


def _other_family(api: Api, token: str) -> str:
    """A registration of another person (the same name and birth date would be one person
    to the draw, given one ticket)."""
    body = {"travelers": [traveler(given_names="Jean", family_names="Pierre", sex="M")]}
    body["travelers"][0] |= {"date_of_birth": "1984-02-03", "email": "jean@example.org"}
    r = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert api.photo(token, rid, 0, portrait_for(rid, 0)).status_code == 200
    return rid


def book(api: Api, settings: Settings) -> dict[str, Booked]:
    """The two groups, by port; the finding's explanation names 123 Main St."""
    here = api.sign_up_verified("here@example.org")
    there = api.sign_up_verified("there@example.org")
    rids = {"SYS": api.registration(here, travelers=2), "HID": _other_family(api, there)}
    assert api.request(here, rids["SYS"], "SYS").status_code == 201
    assert api.request(there, rids["HID"], "HID").status_code == 201
    run_draw(api, settings)
    booked = {}
    for port, token in (("SYS", here), ("HID", there)):
        live = synthetic_portrait(LIVE_SEEDS[port])
        r = api.client.post(
            f"/api/v1/registrations/{rids[port]}/selection/confirm",
            files={"live_photo": ("live.png", live, "image/png")},
            data={k: str(v) for k, v in TIJUANA.items()},
            headers=api.auth(token),
        )
        assert r.status_code == 200, r.text
        booked[port] = Booked(r.json()["code"], rids[port], live)
    with api.db.session() as s:
        findings_service.upsert(s, [cluster([rids["SYS"], rids["HID"]])], clock=api.clock)
    return booked
