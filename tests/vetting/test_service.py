"""Vetting in the store: after confirmation, again when the list or a traveler changes.

The journey runs through the API (register, ask, drawn, confirm); the scheduler's
pass vets; officers read the results in their arrivals and briefing. Every name
is synthetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from puerta.accounts.models import OutboxMessage, Role
from puerta.audit import service as audit_service
from puerta.config import Settings
from puerta.confirmation.models import Appointment
from puerta.demo import synthetic_portrait
from puerta.findings import briefing
from puerta.lifecycle import AppointmentStatus
from puerta.ports.models import PortDay
from puerta.registration import service as registration_service
from puerta.registration.models import Registration
from puerta.registration.schemas import TravelerIn
from puerta.vetting import service
from puerta.vetting.models import VettingResult
from puerta.vetting.records import AdvanceInfo, Hit, Result, Verdict
from puerta.web import scheduler
from tests.api.test_journey import run_draw
from tests.api_support import TIJUANA, Api, traveler
from tests.vetting import synthetic

VISIT = date(2026, 3, 18)
LISTED = {"given_names": "Oleksandr", "family_names": "Kovalenko", "date_of_birth": "1984-06-09"}
OTHER = {"given_names": "Ana Lucía", "family_names": "Morales Pérez", "date_of_birth": "1990-05-17"}
THIRD = {"given_names": "Wideline", "family_names": "Joseph", "date_of_birth": "1979-11-02"}


def book(api: Api, settings: Settings, groups: Sequence[Sequence[dict[str, str]]]) -> list[str]:
    """One registration per group, each asking SYS, drawn and confirmed; their ids."""
    owners = []
    for n, group in enumerate(groups):
        token = api.sign_up_verified(f"v{n}@example.org")
        body = {"travelers": [traveler(**t) for t in group]}
        made = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))
        assert made.status_code == 201, made.text
        rid = made.json()["id"]
        for i in range(len(group)):
            assert api.photo(token, rid, i, synthetic_portrait(900 + 10 * n + i)).status_code == 200
        assert api.request(token, rid, "SYS").status_code == 201
        owners.append((token, rid))
    run_draw(api, settings)
    for n, (token, rid) in enumerate(owners):
        confirmed = api.client.post(
            f"/api/v1/registrations/{rid}/selection/confirm",
            files={"live_photo": ("l.png", synthetic_portrait(700 + n), "image/png")},
            data={k: str(v) for k, v in TIJUANA.items()},
            headers=api.auth(token),
        )
        assert confirmed.status_code == 200, confirmed.text
    return [rid for _, rid in owners]


def watch_list(path: Path, *extra: dict[str, object]) -> Path:
    """Synthetic people, and ``extra`` rows (a listed traveler, in another script)."""
    rows = synthetic.watch_list_rows(synthetic.people(30, seed=99))
    return synthetic.write_csv(path, [*rows, *extra], [*rows[0], "document_number"])


KOVALENKO = {
    "record_id": "W-LISTED",
    "given_names": "Александр",
    "family_names": "Коваленко",
    "date_of_birth": "1984-06-09",
    "sex": "M",
    "note": "synthetic: ask about the 2023 case",
}


def arrivals(api: Api, officer: str) -> list[dict[str, Any]]:
    got = api.client.get(
        "/api/v1/ports/SYS/appointments",
        params={"date": VISIT.isoformat()},
        headers=api.auth(officer),
    )
    assert got.status_code == 200, got.text
    return got.json()


def results(api: Api) -> dict[tuple[str, int], SimpleNamespace]:
    """Each traveler's stored result, as plain values."""
    with api.db.read_only() as s:
        rows = s.scalars(select(VettingResult)).all()
        return {
            (r.registration_id, r.position): SimpleNamespace(
                result=r.result, evidence=r.evidence, list_version=r.list_version
            )
            for r in rows
        }


def audited(api: Api, action: str) -> list[dict[str, Any]]:
    """The audit rows of ``action``, oldest first, as plain values."""
    with api.db.read_only() as s:
        found = audit_service.search(s, action=action)
        return [
            {"actor": e.actor_email, "subject": (e.subject_kind, e.subject_id), "detail": e.detail}
            for e in reversed(found)
        ]


def test_confirmed_travelers_are_vetted_and_officers_see_why(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    settings.watch_list_path = watch_list(tmp_path / "watch.csv", KOVALENKO)
    listed, other = book(api, settings, [[LISTED, OTHER], [THIRD]])
    officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    before = {a["registration_id"]: a["vetting"] for a in arrivals(api, officer)}
    assert [v["result"] for v in before[listed]] == [None, None]
    assert before[listed][0]["explanation"] == "Not yet checked against the watch list."

    done = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert "vetting: 2 appointments, 3 travelers (1 possible matches, 0 matches)" in done
    stored = results(api)
    assert stored[(listed, 0)].result == Result.POSSIBLE_MATCH
    assert stored[(listed, 1)].result == stored[(other, 0)].result == Result.NO_MATCH
    hit = stored[(listed, 0)].evidence["hits"][0]
    assert hit["record_id"] == "W-LISTED"
    assert hit["fields"]["given_names"] == "skeleton"
    assert hit["fields"]["family_names"] == "exact"
    assert hit["fields"]["sex"] == "different"
    # The evidence names the record, never the list's names.
    assert "Коваленко" not in str(stored[(listed, 0)].evidence)

    seen = {a["registration_id"]: a["vetting"] for a in arrivals(api, officer)}
    first = seen[listed][0]
    assert (first["position"], first["result"], first["result_name"]) == (
        0,
        "possible_match",
        "possible match",
    )
    assert first["explanation"].startswith(
        "Watch-list record W-LISTED may be this traveler: given names the same in another "
        "spelling, family names the same, date of birth the same. The record gives another sex."
    )
    assert "Record note: synthetic: ask about the 2023 case" in first["explanation"]
    assert first["explanation_codes"][0] == "staff.vetting.hit.possible"
    assert first["explanation_codes"][-1] == "staff.vetting.advice"
    assert first["list_version"] == stored[(listed, 0)].list_version
    assert seen[other][0]["explanation"] == "No watch-list record matches this traveler."
    # The look-up by code shows the same.
    code = next(a["code"] for a in arrivals(api, officer) if a["registration_id"] == listed)
    lookup = api.client.get(f"/api/v1/appointments/{code}", headers=api.auth(officer)).json()
    assert lookup["vetting"] == seen[listed]

    # Nothing changed: the next pass vets nothing.
    again = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert not [line for line in again if line.startswith("vetting")]
    # One audit row for the run (counts only) and one for loading the list.
    (run,) = audited(api, "vetting.run")
    version = stored[(listed, 0)].list_version
    assert run["subject"] == ("vetting_run", version)
    assert run["actor"] is None  # the scheduler
    assert run["detail"]["results"] == {"no_match": 2, "possible_match": 1, "match": 0}
    assert (run["detail"]["appointments"], run["detail"]["trigger"]) == (2, "scheduler")
    (load,) = audited(api, "watchlist.load")
    assert load["subject"] == ("watch_list", version)
    assert load["detail"]["records"] == 31


def test_a_new_list_version_vets_every_upcoming_traveler_again(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    path = watch_list(tmp_path / "watch.csv", KOVALENKO)
    settings.watch_list_path = path
    (listed,) = book(api, settings, [[LISTED]])
    scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    old = results(api)[(listed, 0)]
    assert old.result == Result.POSSIBLE_MATCH

    watch_list(path)  # the listed person is taken off the list
    done = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert "vetting: 1 appointments, 1 travelers (0 possible matches, 0 matches)" in done
    new = results(api)[(listed, 0)]
    assert new.result == Result.NO_MATCH
    assert new.list_version != old.list_version
    assert len(audited(api, "watchlist.load")) == 2


def test_an_edited_traveler_is_vetted_again(api: Api, settings: Settings, tmp_path: Path) -> None:
    settings.watch_list_path = watch_list(tmp_path / "watch.csv", KOVALENKO)
    (rid,) = book(api, settings, [[OTHER]])
    scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert results(api)[(rid, 0)].result == Result.NO_MATCH
    api.clock.advance(minutes=5)
    with api.db.session() as s:  # a correction of the advance information
        registration = s.get(Registration, rid)
        assert registration is not None
        registration_service.update_traveler(
            s,
            registration=registration,
            position=0,
            data=TravelerIn(**traveler(**LISTED)),
            clock=api.clock,
        )
    done = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert "vetting: 1 appointments, 1 travelers (1 possible matches, 0 matches)" in done
    assert results(api)[(rid, 0)].result == Result.POSSIBLE_MATCH


def test_a_bad_list_vets_nothing_and_keeps_the_results(
    api: Api, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = watch_list(tmp_path / "watch.csv", KOVALENKO)
    settings.watch_list_path = path
    (rid,) = book(api, settings, [[LISTED]])
    scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    path.write_text(path.read_text().replace("1984-06-09", "09/06/1984"))
    done = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert not [line for line in done if line.startswith("vetting")]
    assert results(api)[(rid, 0)].result == Result.POSSIBLE_MATCH
    assert "column date_of_birth: '09/06/1984' is not a date written YYYY-MM-DD" in caplog.text


class EveryoneMatches:
    """A records source that says "match" for everyone (the interface, not the list)."""

    source = "test_records"
    version = "test-1"

    def check(self, travelers: Sequence[AdvanceInfo]) -> list[Verdict]:
        fields = {"given_names": "exact", "family_names": "exact", "date_of_birth": "exact"}
        hit = Hit("R-1", Result.MATCH, fields | {"document_number": "same"})
        return [Verdict(Result.MATCH, (hit,)) for _ in travelers]


def test_a_match_leaves_the_appointment_booked(api: Api, settings: Settings) -> None:
    (rid,) = book(api, settings, [[LISTED, OTHER]])

    def state() -> tuple[Any, ...]:
        with api.db.read_only() as s:
            appointment = s.scalars(select(Appointment)).one()
            day = s.get(PortDay, (appointment.port_code, appointment.day))
            outbox = s.scalar(select(func.count()).select_from(OutboxMessage))
            return (
                appointment.status,
                appointment.day,
                appointment.slot_start,
                appointment.cancelled_at,
                (day.booked, day.offered) if day else None,
                outbox,
            )

    before = state()
    with api.db.session() as s:
        counts = service.run(
            s,
            source=EveryoneMatches(),
            clock=api.clock,
            timezone=settings.timezone,
            trigger="test",
        )
    assert counts.results == {"match": 2}
    assert state() == before
    assert before[0] == AppointmentStatus.BOOKED.value
    officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    (arrival,) = arrivals(api, officer)
    assert arrival["status"] == "booked"
    assert [v["result"] for v in arrival["vetting"]] == ["match", "match"]
    assert arrival["vetting"][0]["explanation"].startswith(
        "Watch-list record R-1 is this traveler by the document number"
    )
    assert results(api)[(rid, 1)].evidence["source"] == "test_records"


def test_the_briefing_lists_travelers_with_a_result(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    settings.watch_list_path = watch_list(tmp_path / "watch.csv", KOVALENKO)
    listed, _ = book(api, settings, [[OTHER, LISTED], [THIRD]])
    scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    with api.db.read_only() as s:
        built = briefing.build(s, port_code="SYS", start=VISIT)
    data = built.to_json()
    assert data["summary"]["vetting_flagged"] == 1
    by_rid = {a["registration_id"]: a for a in data["arrivals"]}
    assert [v["result"] for v in by_rid[listed]["vetting"]] == ["no_match", "possible_match"]
    assert by_rid[listed]["vetting"][1]["explanation"].startswith("Watch-list record W-LISTED")
    text = briefing.to_markdown(built)
    assert "1 travelers with a watch-list result to look at." in text
    assert "- Watch list, Oleksandr Kovalenko: possible match. Watch-list record W-LISTED" in text
    assert [a.registration_id for a in built.listed] == [listed]
    officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    served = api.client.get(
        "/api/v1/ports/SYS/briefing", params={"start": VISIT.isoformat()}, headers=api.auth(officer)
    ).json()
    assert served["summary"]["vetting_flagged"] == 1


def test_applicants_never_see_vetting(api: Api, settings: Settings, tmp_path: Path) -> None:
    settings.watch_list_path = watch_list(tmp_path / "watch.csv", KOVALENKO)
    (rid,) = book(api, settings, [[LISTED]])
    token = api.sign_in("v0@example.org", "correct horse battery")
    pages = [
        f"/api/v1/registrations/{rid}/status",
        f"/api/v1/registrations/{rid}",
        "/api/v1/registrations",
    ]

    def read() -> list[str]:
        out = [api.client.get(p, headers=api.auth(token)).text for p in pages]
        api.client.cookies.set("__Host-puerta_session", token)
        try:
            for p in (f"/registrations/{rid}", "/registrations"):
                got = api.client.get(p, headers={"Accept": "text/html"})
                assert got.status_code == 200, got.text
                out.append(got.text)
        finally:
            api.client.cookies.clear()
        return out

    before = read()
    scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert results(api)[(rid, 0)].result == Result.POSSIBLE_MATCH
    after = read()
    assert after == before
    for text in after:
        lowered = text.lower()
        assert "vetting" not in lowered
        assert "watch" not in lowered
        assert "W-LISTED" not in text
    # No route serves the list or the results to anyone but staff.
    paths = [getattr(r, "path", "") for r in api.client.app.routes]  # type: ignore[attr-defined]
    assert not [p for p in paths if "watch" in p.lower() or "vetting" in p.lower()]


@pytest.mark.committing  # pool.checkedout() needs a real engine
def test_the_scheduler_matches_holding_no_connection(
    api: Api, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matching a batch against a large list takes seconds: no transaction (on SQLite,
    no write lock) may be open meanwhile."""
    from puerta.vetting import watchlist

    settings.watch_list_path = watch_list(tmp_path / "watch.csv", KOVALENKO)
    book(api, settings, [[LISTED]])
    held: list[int] = []
    check = watchlist.WatchList.check

    def watched(self: watchlist.WatchList, travelers: Sequence[AdvanceInfo]) -> list[Verdict]:
        held.append(api.db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return check(self, travelers)

    monkeypatch.setattr(watchlist.WatchList, "check", watched)
    done = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert "vetting: 1 appointments, 1 travelers (1 possible matches, 0 matches)" in done
    assert held == [0]
