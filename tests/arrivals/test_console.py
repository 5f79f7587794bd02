"""The officers' console pages: arrivals, look-up, an arrival's detail, the photos and the
briefing; who may read each, what each shows, and the audit row each read writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from puerta.accounts.models import Role
from puerta.audit.models import AuditEvent
from puerta.clock import FrozenClock
from puerta.config import Settings
from tests.api_support import HTML, Api
from tests.arrivals.console_world import VISIT, Booked, book

NO_STORE = "no-store, private"
#: A GET page's audit row is committed in a transaction of its own (``web.staff.audit``),
#: which a test's savepoint would roll back with the request's: real commits here.
pytestmark = pytest.mark.committing


@pytest.fixture
def booked(api: Api, settings: Settings) -> dict[str, Booked]:
    return book(api, settings)


def audit_rows(api: Api, action: str) -> list[Any]:
    """The trail's rows of ``action``, oldest first (actor_email, subject_kind, ...)."""
    e = AuditEvent
    with api.db.read_only() as s:
        return list(
            s.execute(
                select(e.actor_email, e.subject_kind, e.subject_id, e.port_code)
                .where(e.action == action)
                .order_by(e.id)
            )
        )


def page_paths(booked: dict[str, Booked]) -> dict[str, str]:
    """Every console page and photo of the San Ysidro group, as an officer opens them."""
    sys = booked["SYS"]
    return {
        "arrivals": f"/staff/ports/SYS/arrivals?date={VISIT}",
        "arrival": f"/staff/ports/SYS/arrivals/{sys.code}",
        "briefing": f"/staff/ports/SYS/briefing?start={VISIT}",
        "registered": f"/staff/photos/registered/{sys.registration_id}/0",
        "live": f"/staff/photos/live/{sys.code}",
    }


def test_an_officer_reads_their_ports_arrivals_and_the_read_is_audited(
    api: Api, booked: dict[str, Booked]
) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    got = api.client.get("/staff/ports/SYS/arrivals", params={"date": str(VISIT)}, headers=HTML)
    assert got.status_code == 200, got.text
    assert got.headers["cache-control"] == NO_STORE
    sys = booked["SYS"]
    html = got.text
    assert sys.code in html
    assert booked["HID"].code not in html  # another port's arrival
    assert "Ana 0 Morales Pérez" in html
    assert "Ana 1 Morales Pérez" in html
    assert f'src="/staff/photos/registered/{sys.registration_id}/1"' in html
    assert "Shared address" in html  # the finding's badge, with its plain explanation
    assert "gave 123 Main St, Houston TX" in html
    assert "Also seen at: HID" in html
    assert "The live photo has not been compared yet." in html  # the face check's advice
    assert f'href="/staff/ports/SYS/arrivals/{sys.code}/process"' in html
    [row] = audit_rows(api, "arrival.read")
    assert (row.actor_email, row.subject_kind, row.subject_id, row.port_code) == (
        "o@sys.example",
        "port_day",
        f"SYS:{VISIT}",
        "SYS",
    )


def test_the_list_opens_on_today_at_the_port_with_links_to_the_days_around(
    api: Api, booked: dict[str, Booked], clock: FrozenClock
) -> None:
    # 03:00 UTC on the 19th is still the 18th in San Ysidro (Pacific time).
    clock.set(datetime(2026, 3, 19, 3, 0, tzinfo=UTC))
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    got = api.client.get("/staff/ports/SYS/arrivals", headers=HTML)
    assert got.status_code == 200, got.text
    assert booked["SYS"].code in got.text
    assert 'href="?date=2026-03-17"' in got.text
    assert 'href="?date=2026-03-19"' in got.text
    assert audit_rows(api, "arrival.read")[0].subject_id == "SYS:2026-03-18"


@pytest.mark.parametrize("typed", ["18/03/2026", "2026-02-30", "9999-12-31"])
def test_a_bad_day_shows_the_form_again_and_reads_nothing(
    api: Api, booked: dict[str, Booked], typed: str
) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    got = api.client.get("/staff/ports/SYS/arrivals", params={"date": typed}, headers=HTML)
    assert got.status_code == 400
    assert 'class="error-summary"' in got.text
    assert 'href="#date"' in got.text
    assert booked["SYS"].code not in got.text
    assert audit_rows(api, "arrival.read") == []


def test_an_officer_of_another_port_gets_the_same_refusal_whatever_exists(
    api: Api, booked: dict[str, Booked]
) -> None:
    api.staff_pages("o@elp.example", Role.OFFICER, "ELP")
    paths = page_paths(booked)
    for name in ("arrivals", "arrival", "briefing"):
        got = api.client.get(paths[name], headers=HTML)
        assert got.status_code == 403, name
        assert "Your account cannot see this port" in got.text
        nothing = api.client.get(paths[name].replace("SYS", "XXX"), headers=HTML)
        assert nothing.status_code == 403, name
    for name in ("registered", "live"):  # a photo of another port's traveler: "no such photo"
        got = api.client.get(paths[name], headers=HTML)
        assert got.status_code == 404, name
        assert booked["SYS"].live_photo not in got.content
    missing = f"/staff/photos/registered/{booked['SYS'].registration_id}/7"
    assert api.client.get(missing).json()["code"] == "staff.photo_not_found"
    assert api.client.get(paths["registered"]).json()["code"] == "staff.photo_not_found"
    assert audit_rows(api, "arrival.read") == audit_rows(api, "photo.view") == []


def test_an_analyst_reads_every_port(api: Api, booked: dict[str, Booked]) -> None:
    api.staff_pages("a@hq.example", Role.ANALYST)
    for path in page_paths(booked).values():
        got = api.client.get(path, headers=HTML)
        assert got.status_code == 200, (path, got.text[:300])
    hid = booked["HID"]
    assert api.client.get(f"/staff/photos/registered/{hid.registration_id}/0").status_code == 200
    assert api.client.get(f"/staff/ports/HID/arrivals/{hid.code}", headers=HTML).status_code == 200
    # An arrival is read under its own port's path only.
    wrong = api.client.get(f"/staff/ports/SYS/arrivals/{hid.code}", headers=HTML)
    assert wrong.status_code == 404


def test_applicants_are_refused_and_signed_out_browsers_sent_to_sign_in(
    api: Api, booked: dict[str, Booked]
) -> None:
    applicant = api.sign_up_verified("someone@example.org")
    for path in [*page_paths(booked).values(), "/staff/lookup"]:
        refused = api.client.get(path, headers={**HTML, **api.auth(applicant)})
        assert refused.status_code == 403, path
        assert booked["SYS"].live_photo not in refused.content
        away = api.client.get(path, headers=HTML, follow_redirects=False)
        assert away.status_code == 303, path
        assert away.headers["location"].startswith("/staff/sign-in?next=%2Fstaff%2F")
    assert audit_rows(api, "photo.view") == []


def test_photos_are_served_uncached_with_their_type_and_every_view_audited(
    api: Api, booked: dict[str, Booked]
) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    sys = booked["SYS"]
    rid = sys.registration_id
    for path, kind, subject in (
        (f"/staff/photos/registered/{rid}/1", "traveler", f"{rid}:1"),
        (f"/staff/photos/live/{sys.code}", "live_photo", sys.code),
    ):
        got = api.client.get(path)
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "image/png"
        assert got.headers["cache-control"] == NO_STORE
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.content.startswith(b"\x89PNG")
        assert audit_rows(api, "photo.view")[-1].subject_kind == kind
        assert audit_rows(api, "photo.view")[-1].subject_id == subject
    assert api.client.get(f"/staff/photos/live/{sys.code}").content == sys.live_photo
    assert len(audit_rows(api, "photo.view")) == 3


def test_an_officers_read_of_an_arrival_writes_an_audit_row(
    api: Api, booked: dict[str, Booked]
) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    sys = booked["SYS"]
    got = api.client.get(f"/staff/ports/SYS/arrivals/{sys.code}", headers=HTML)
    assert got.status_code == 200, got.text
    assert got.headers["cache-control"] == NO_STORE
    html = got.text
    # Both photos side by side, the face check as advice, the advance information.
    assert f'src="/staff/photos/registered/{sys.registration_id}/0"' in html
    assert f'src="/staff/photos/live/{sys.code}"' in html
    assert "It never refuses anyone" in html
    for shown in ("+526641234567", "ana@example.org", "123 Main St", "Apt 4", "Houston", "77002"):
        assert shown in html
    assert "Venezuela" in html
    assert "Spanish" in html
    assert "Female" in html
    assert "Evidence" in html
    assert "Also seen at: HID" in html
    [row] = audit_rows(api, "arrival.read")
    assert (row.actor_email, row.subject_kind, row.subject_id) == (
        "o@sys.example",
        "appointment",
        sys.code,
    )


def test_look_up_finds_a_typed_code_however_it_is_typed(
    api: Api, booked: dict[str, Booked]
) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    form = api.client.get("/staff/lookup", headers=HTML)
    assert form.status_code == 200
    assert 'id="scan" hidden' in form.text  # shown by console.js where the browser can scan
    code = booked["SYS"].code
    typed = " " + " ".join([code[:4].lower(), code[4:7], code[7:].lower()]) + " "
    went = api.client.get(
        "/staff/lookup", params={"code": typed}, headers=HTML, follow_redirects=False
    )
    assert went.status_code == 303
    assert went.headers["location"] == f"/staff/ports/SYS/arrivals/{code}"


def test_another_ports_code_reads_as_not_found(api: Api, booked: dict[str, Booked]) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    for typed in (booked["HID"].code, "NOSUCHCODE"):
        got = api.client.get("/staff/lookup", params={"code": typed}, headers=HTML)
        assert got.status_code == 404
        assert "No appointment has this confirmation code." in got.text
        assert 'href="#code"' in got.text
    empty = api.client.get("/staff/lookup", params={"code": " "}, headers=HTML)
    assert empty.status_code == 400
    assert "Enter the confirmation code." in empty.text


def test_the_briefing_is_a_printable_page_and_its_read_is_audited(
    api: Api, booked: dict[str, Booked]
) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    got = api.client.get("/staff/ports/SYS/briefing", params={"start": str(VISIT)}, headers=HTML)
    assert got.status_code == 200, got.text
    assert got.headers["cache-control"] == NO_STORE
    assert booked["SYS"].code in got.text
    assert "Shared address" in got.text
    assert "Also seen at: HID" in got.text
    assert "nobody is refused on a finding" in got.text
    [row] = audit_rows(api, "briefing.read")
    assert (row.subject_kind, row.subject_id) == ("port_day", f"SYS:{VISIT}")
    bad = api.client.get("/staff/ports/SYS/briefing", params={"start": "soon"}, headers=HTML)
    assert bad.status_code == 400
    assert 'href="#start"' in bad.text
