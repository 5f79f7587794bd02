"""The live photo at confirmation against the registered photo, as the officer sees it.

The README's tour confirms with another person's portrait as the live photo. The
confirmation still goes through (a face comparison never refuses anyone), but the
officer's arrivals, lookup and briefing now say "different person".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from puerta.accounts.models import Role
from puerta.config import Settings
from puerta.demo import synthetic_portrait
from puerta.draw import service as draw_service
from puerta.faces.models import LiveFaceCheck
from puerta.web import scheduler
from tests.api_support import TIJUANA, Api

POOL_DAY = date(2026, 3, 4)
ARRIVAL_DAY = "2026-03-18"


def confirm_with(api: Api, settings: Settings, registered: bytes, live: bytes) -> dict:
    """Register with ``registered`` as the photo, be drawn, confirm with ``live``."""
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, photos=False)
    assert api.photo(token, rid, 0, registered).status_code == 200
    assert api.request(token, rid, "SYS").status_code == 201
    api.clock.advance(hours=1, minutes=5)  # 11:05 New York: the window has closed
    with api.db.session() as s:
        draw_service.run_draw(s, pool_date=POOL_DAY, settings=settings, clock=api.clock)
    confirmed = api.client.post(
        f"/api/v1/registrations/{rid}/selection/confirm",
        files={"live_photo": ("live.jpg", live, "image/jpeg")},
        data={k: str(v) for k, v in TIJUANA.items()},
        headers=api.auth(token),
    )
    # Whatever the faces show, the confirmation is not refused.
    assert confirmed.status_code == 200, confirmed.text
    api.staff("officer@sys.example", Role.OFFICER, "SYS")
    return confirmed.json()


def officer_view(api: Api, code: str) -> tuple[dict, dict, dict]:
    officer = api.sign_in("officer@sys.example", "officer pass 1")
    listing = api.client.get(
        "/api/v1/ports/SYS/appointments",
        params={"date": ARRIVAL_DAY},
        headers=api.auth(officer),
    ).json()
    lookup = api.client.get(f"/api/v1/appointments/{code}", headers=api.auth(officer)).json()
    briefing = api.client.get(
        "/api/v1/ports/SYS/briefing",
        params={"start": ARRIVAL_DAY},
        headers=api.auth(officer),
    ).json()
    assert [a["code"] for a in listing] == [code]
    return listing[0], lookup, briefing


def test_the_tour_with_another_persons_live_photo_is_flagged(
    api: Api, settings: Settings, photo: Callable[[str], bytes]
) -> None:
    appointment = confirm_with(api, settings, photo("obama.jpg"), photo("biden.jpg"))
    # The model runs in the scheduler's job, not in the request.
    listed, _, _ = officer_view(api, appointment["code"])
    assert listed["face_check"]["status"] == "pending"
    assert listed["face_check"]["summary"] == "The live photo has not been compared yet."
    with api.db.read_only() as s:
        check = s.query(LiveFaceCheck).one()
        assert check.pending_image is not None

    done = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert "faces: 1 photos encoded, 1 live photos compared" in done

    listed, lookup, briefing = officer_view(api, appointment["code"])
    for face in (listed["face_check"], lookup["face_check"]):
        assert face["verdict"] == "different_person"
        assert face["live_photo"] == "found"
        assert face["distance"] > face["threshold"] == settings.face_match_threshold
        assert face["traveler_position"] == 0
        assert face["summary"].startswith("Different person: the live photo matches no")
        assert "this refuses no one" in face["summary"]
    brief = briefing["arrivals"][0]["face_check"]
    assert brief["verdict"] == "different_person"
    assert briefing["summary"]["face_different"] == 1
    with api.db.read_only() as s:
        check = s.query(LiveFaceCheck).one()
        assert check.pending_image is None  # only the encoding is kept
        assert check.encoding is not None
        assert len(check.encoding) == 512

    officer = api.sign_in("officer@sys.example", "officer pass 1")
    markdown = api.client.get(
        "/api/v1/ports/SYS/briefing",
        params={"start": ARRIVAL_DAY, "format": "markdown"},
        headers=api.auth(officer),
    ).text
    assert "Face check: Different person" in markdown


def test_the_same_person_live(api: Api, settings: Settings, photo: Callable[[str], bytes]) -> None:
    appointment = confirm_with(api, settings, photo("obama.jpg"), photo("obama2.jpg"))
    scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    listed, _, briefing = officer_view(api, appointment["code"])
    face = listed["face_check"]
    assert face["verdict"] == "same_person"
    assert face["distance"] <= face["threshold"]
    assert face["summary"].startswith("The live photo shows the same person as traveler 1")
    assert briefing["summary"]["face_different"] == 0


def test_the_demo_portraits_are_no_faces(api: Api, settings: Settings) -> None:
    """The README's tour as written: synthetic portraits, which are not faces; the
    officer is told to compare by eye, never shown a match the model did not make."""
    appointment = confirm_with(api, settings, synthetic_portrait(1), synthetic_portrait(2))
    scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    listed, _, _ = officer_view(api, appointment["code"])
    face = listed["face_check"]
    assert face["verdict"] == "no_face"
    assert face["distance"] is None
    assert face["summary"] == (
        "No face found in the live photo or the registered photos: compare them by eye."
    )


@pytest.mark.parametrize("language", ["es"])
def test_the_summary_is_in_the_officers_language(
    api: Api, settings: Settings, language: str
) -> None:
    appointment = confirm_with(api, settings, synthetic_portrait(1), synthetic_portrait(2))
    officer = api.sign_in("officer@sys.example", "officer pass 1")
    r = api.client.get(
        f"/api/v1/appointments/{appointment['code']}",
        headers=api.auth(officer) | {"accept-language": language},
    )
    assert r.status_code == 200
    assert r.json()["face_check"]["status"] == "pending"
