"""Findings: stored once per key, reviewed with an audit trail, routed to the ports."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from puerta.accounts.models import Role
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.liveness import LocalLivenessProvider
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.draw.models import Selection
from puerta.errors import InvalidTransition, ReviewNeedsNote
from puerta.findings import briefing, service
from puerta.findings import explain as fx
from puerta.findings.models import Finding as FindingRow
from puerta.findings.value import ADDRESS_CLUSTER, KNOWN_ADDRESS, Finding, stable_key
from puerta.lifecycle import FindingStatus
from puerta.registration.models import Registration
from tests.api_support import Api
from tests.confirmation.helpers import drawn_world

VISIT = date(2026, 3, 18)


def cluster(rids: list[str], score: float = 5.0, flagged: bool = True) -> Finding:
    kind = ADDRESS_CLUSTER if flagged else KNOWN_ADDRESS
    gave = fx.sentence(
        fx.ADDRESS_GAVE,
        persons=len(rids),
        surnames=len(rids),
        families=len(rids),
        address="123 Main St, Houston TX",
        first_seen=date(2023, 5, 1),
        last_seen=date(2023, 6, 30),
    )
    return Finding(
        kind=kind,
        key=stable_key(kind, "123 MAIN ST|HOUSTON|TX"),
        score=score,
        explanation=(gave, fx.sentence(fx.ADDRESS_NO_PORT)),
        evidence={"travelers": len(rids)},
        registration_ids=tuple(sorted(rids)),
        travelers=tuple((r, 0) for r in sorted(rids)),
        normalised_keys=("123 MAIN ST|HOUSTON|TX",),
        flagged=flagged,
    )


def rids(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Registration.id).order_by(Registration.created_at)))


def test_rerun_updates_instead_of_duplicating(db: Database, clock: FrozenClock) -> None:
    with db.session() as s:
        first = service.upsert(s, [cluster(["RA", "RB"])], clock=clock)
    with db.session() as s:
        again = service.upsert(s, [cluster(["RA", "RB"])], clock=clock)
    with db.session() as s:
        changed = service.upsert(s, [cluster(["RA", "RB", "RC"], score=7.0)], clock=clock)
    assert (first.created, again.unchanged, changed.updated) == (1, 1, 1)
    with db.session() as s:
        rows = s.scalars(select(FindingRow)).all()
        assert len(rows) == 1
        assert [t.registration_id for t in service.travelers_of(s, rows[0])] == ["RA", "RB", "RC"]
        assert [e.action for e in service.history(s, rows[0])] == ["created", "updated"]


def test_review_keeps_an_audit_trail_and_can_be_appealed(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    from puerta.accounts import service as accounts_service

    with db.session() as s:
        from puerta.ports import service as ports_service

        ports_service.ensure_ports(s, settings)
        analyst = accounts_service.create_staff(
            s,
            email="a@hq.example",
            password="analyst pass 1",
            role=Role.ANALYST,
            port_code=None,
            clock=clock,
        )
        service.upsert(s, [cluster(["RA"])], clock=clock)
        finding = s.scalars(select(FindingRow)).one()
        with pytest.raises(ReviewNeedsNote):
            service.review(
                s,
                finding=finding,
                reviewer=analyst,
                status=FindingStatus.DISMISSED,
                note="",
                clock=clock,
            )
        service.review(
            s,
            finding=finding,
            reviewer=analyst,
            status=FindingStatus.DISMISSED,
            note="A shelter we did not list.",
            clock=clock,
        )
        with pytest.raises(InvalidTransition):
            service.review(
                s,
                finding=finding,
                reviewer=analyst,
                status=FindingStatus.CONFIRMED,
                note="x",
                clock=clock,
            )
        service.review(
            s,
            finding=finding,
            reviewer=analyst,
            status=FindingStatus.UNDER_REVIEW,
            note="Appeal by the sponsor.",
            clock=clock,
        )
        trail = [(e.action, e.to_status) for e in service.history(s, finding)]
    assert trail == [
        ("created", "new"),
        ("reviewed", "dismissed"),
        ("appealed", "under_review"),
    ]
    # A re-run keeps the review.
    with db.session() as s:
        service.upsert(s, [cluster(["RA"], score=9.0)], clock=clock)
        assert s.scalars(select(FindingRow)).one().status == "under_review"


def _confirm_all(db: Database, settings: Settings, clock: FrozenClock) -> None:
    provider = LocalLivenessProvider(settings.photo_max_bytes)
    with db.session() as s:
        for sel in s.scalars(select(Selection).order_by(Selection.id)).all():
            confirmation_service.confirm(
                s,
                selection=sel,
                live_photo=synthetic_portrait(5000 + sel.id),
                latitude=32.51,
                longitude=-117.03,
                provider=provider,
                settings=settings,
                clock=clock,
            )


def test_briefing_shows_findings_per_arrival_and_skips_dismissed_and_shelters(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    drawn_world(db, settings, clock, groups=[1, 2, 1])
    _confirm_all(db, settings, clock)
    a, b, c = rids(db)
    with db.session() as s:
        # c's address is a known shelter: reported apart, never routed as suspicious.
        service.upsert(
            s, [cluster([a, b, "R-ELSEWHERE"]), cluster([c], flagged=False)], clock=clock
        )
    with db.session() as s:
        built = briefing.build(s, port_code="SYS", start=VISIT)
        text = briefing.to_markdown(built)
    flagged = {arr.registration_id for arr in built.flagged}
    assert flagged == {a, b}
    assert len(built.arrivals) == 3
    assert "123 Main St" in text
    assert "not decisions" in text


def test_officer_sees_findings_with_evidence_from_other_ports(api: Api, settings: Settings) -> None:
    from tests.api.test_journey import run_draw

    here = api.sign_up_verified("here@example.org")
    there = api.sign_up_verified("there@example.org")
    rid_here = api.registration(here)
    rid_there = api.registration(there)
    api.request(here, rid_here, "SYS")
    api.request(there, rid_there, "HID")
    run_draw(api, settings)
    from tests.api_support import TIJUANA

    r = api.client.post(
        f"/api/v1/registrations/{rid_here}/selection/confirm",
        files={"live_photo": ("l.png", synthetic_portrait(777), "image/png")},
        data={k: str(v) for k, v in TIJUANA.items()},
        headers=api.auth(here),
    )
    assert r.status_code == 200, r.text
    with api.db.session() as s:
        service.upsert(s, [cluster([rid_here, rid_there])], clock=api.clock)
    officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    arrivals = api.client.get(
        "/api/v1/ports/SYS/appointments",
        params={"date": VISIT.isoformat()},
        headers=api.auth(officer),
    ).json()
    assert arrivals[0]["findings"][0]["kind"] == "address_cluster"
    codes = ["explain.address_cluster.gave", "explain.address_cluster.no_port"]
    english = (
        "2 travelers with 2 different surnames (2 apparent families) gave 123 Main St, "
        "Houston TX between May 1, 2023 and Jun 30, 2023. No appointments yet."
    )
    # Rendered at the edge in the reader's language, beside the codes it comes from.
    assert arrivals[0]["findings"][0]["explanation"] == english
    assert arrivals[0]["findings"][0]["explanation_codes"] == codes
    assert arrivals[0]["findings"][0]["explanation_params"][0]["first_seen"] == "2023-05-01"
    brief = api.client.get(
        "/api/v1/ports/SYS/briefing",
        params={"start": VISIT.isoformat()},
        headers=api.auth(officer),
    ).json()
    assert brief["arrivals"][0]["findings"][0]["other_ports"] == ["HID"]
    assert brief["arrivals"][0]["findings"][0]["explanation"] == english
    assert brief["arrivals"][0]["findings"][0]["explanation_codes"] == codes
    md = api.client.get(
        "/api/v1/ports/SYS/briefing",
        params={"start": VISIT.isoformat(), "format": "markdown"},
        headers=api.auth(officer),
    )
    assert md.headers["content-type"].startswith("text/markdown")
    assert "Also seen at: HID" in md.text
    assert english in md.text
    # Officers read findings through their arrivals; the analyst API is for analysts.
    assert api.client.get("/api/v1/findings", headers=api.auth(officer)).status_code == 403
    analyst = api.staff("a@hq.example", Role.ANALYST)
    listed = api.client.get("/api/v1/findings", headers=api.auth(analyst)).json()
    fid = listed[0]["id"]
    assert (listed[0]["explanation"], listed[0]["explanation_codes"]) == (english, codes)
    detail = api.client.get(f"/api/v1/findings/{fid}", headers=api.auth(analyst)).json()
    assert (detail["explanation"], detail["explanation_codes"]) == (english, codes)
    reviewed = api.client.post(
        f"/api/v1/findings/{fid}/review",
        json={"status": "dismissed", "note": "family"},
        headers=api.auth(analyst),
    )
    assert reviewed.json()["status"] == "dismissed"
    again = api.client.get(
        "/api/v1/ports/SYS/appointments",
        params={"date": VISIT.isoformat()},
        headers=api.auth(officer),
    ).json()
    assert again[0]["findings"] == []
    bad = api.client.post(
        f"/api/v1/findings/{fid}/review", json={"status": "maybe"}, headers=api.auth(analyst)
    )
    assert bad.status_code == 422


def test_export_jsonl_round_trips(db: Database, clock: FrozenClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    with db.session() as s:
        service.upsert(s, [cluster(["RA", "RB"]), cluster(["RC"], flagged=False)], clock=clock)
    with db.session() as s:
        assert service.export_jsonl(s, tmp_path / "f.jsonl") == 2
    lines = [json.loads(x) for x in (tmp_path / "f.jsonl").read_text().splitlines()]
    assert {r["kind"] for r in lines} == {"address_cluster", "known_address"}
    first = next(r for r in lines if r["kind"] == "address_cluster")
    assert first["travelers"] == [["RA", 0], ["RB", 0]]
    assert first["registration_ids"] == ["RA", "RB"]
    assert Finding.from_dict(first).key == first["key"]
    # The one place findings leave in English, with the codes and parameters beside it.
    assert first["explanation"].startswith("2 travelers with 2 different surnames")
    assert first["explanation_codes"] == [
        "explain.address_cluster.gave",
        "explain.address_cluster.no_port",
    ]
    assert Finding.from_dict(first).explanation == cluster(["RA", "RB"]).explanation
