"""The public artefacts, the verify endpoint, the review list and the applicant's entry."""

from __future__ import annotations

from datetime import date

import pytest

from puerta.accounts.models import Role
from puerta.config import Settings
from puerta.draw import commitment as cm
from puerta.errors import DrawAlreadyRun, PoolStillOpen
from tests.api.test_journey import POOL_DAY, run_draw
from tests.api_support import Api, portrait_for, traveler

DAY = POOL_DAY.isoformat()


def _family(api: Api, token: str, names: list[str]) -> str:
    body = {"travelers": [traveler(given_names=n) for n in names]}
    r = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    for i in range(len(names)):
        api.photo(token, rid, i, portrait_for(rid, i))
    return rid


def test_applicant_sees_entry_proof_and_result_and_anyone_can_verify(
    api: Api, settings: Settings
) -> None:
    ana = api.sign_up_verified("ana@example.org")
    rid = _family(api, ana, ["Ana", "Bo"])
    assert api.request(ana, rid).status_code == 201
    other = api.sign_up_verified("other@example.org")
    rid2 = _family(api, other, ["Cy"])
    api.request(other, rid2)
    dup = _family(api, other, ["ANA"])  # Ana again, in someone else's account
    api.request(other, dup)

    before = api.client.get(f"/api/v1/registrations/{rid}/entry", headers=api.auth(ana))
    assert before.status_code == 200, before.text
    assert before.json()["stage"] == "not_published"
    entrant = before.json()["entrant_id"]
    assert len(entrant) == 20
    assert (
        api.client.get(f"/api/v1/registrations/{rid}/entry", headers=api.auth(other)).status_code
        == 404
    )

    run_draw(api, settings)
    mine = api.client.get(f"/api/v1/registrations/{rid}/entry", headers=api.auth(ana)).json()
    assert mine["entrant_id"] == entrant
    assert mine["stage"] == "drawn"
    assert mine["result"] == "selected"
    assert mine["standing"]["entrants_at_port"] == 2  # the duplicate is merged
    assert mine["standing"]["persons_at_port"] == 3
    proof = [tuple(p) for p in mine["inclusion_proof"]]
    assert cm.check_inclusion(mine["record"], proof, bytes.fromhex(mine["pool_root"]))
    assert "verify" in mine["how_to_verify"]

    published = api.client.get(f"/api/v1/draws/{DAY}/published")  # no sign-in
    assert published.status_code == 200
    body = published.json()
    assert body["status"] == "drawn"
    assert mine["record"] in body["records"]
    for private in ("Ana", "Morales", rid, "ana@example.org", "1990-05-17"):
        assert private not in published.text
    assert cm.verify(cm.PublishedDraw.from_json(published.text)).ok
    verified = api.client.get(f"/api/v1/draws/{DAY}/verify").json()
    assert verified["ok"] is True
    assert verified["problems"] == []

    analyst = api.staff("a@hq.example", Role.ANALYST)
    review = api.client.get(f"/api/v1/draws/{DAY}/review", headers=api.auth(analyst))
    assert review.status_code == 200
    assert [
        (r["registration_id"], r["into_registration_id"], r["role"]) for r in review.json()
    ] == [(dup, rid, "duplicate")]
    officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    assert (
        api.client.get(f"/api/v1/draws/{DAY}/review", headers=api.auth(officer)).status_code == 403
    )
    assert api.client.get(f"/api/v1/draws/{DAY}/review", headers=api.auth(ana)).status_code == 403
    assert api.client.get(f"/api/v1/draws/{DAY}/review").status_code == 401


def test_nothing_published_is_not_found(api: Api) -> None:
    assert api.client.get("/api/v1/draws/2026-03-04/published").status_code == 404
    assert api.client.get("/api/v1/draws/2026-03-04/verify").status_code == 404


def test_the_scheduler_commits_then_publishes_and_draws(api: Api) -> None:
    from puerta.web import scheduler

    token = api.sign_up_verified("s@example.org")
    rid = _family(api, token, ["Sol"])
    api.request(token, rid)
    done = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert "published the seed commitment for 2026-03-05" in done  # before its window opens
    committed = api.client.get("/api/v1/draws/2026-03-05/published").json()
    assert committed["status"] == "committed"
    api.clock.advance(hours=1, minutes=5)
    done = scheduler.run_once(api.client.app)  # type: ignore[arg-type]
    assert any(line.startswith(f"drew {DAY}") for line in done)
    verified = api.client.get(f"/api/v1/draws/{DAY}/verify").json()
    assert verified["ok"] is True
    # Today's commitment came after today's window had opened: said so, not hidden.
    assert any("after the request window opened" in w for w in verified["warnings"])
    entry = api.client.get(f"/api/v1/registrations/{rid}/entry", headers=api.auth(token)).json()
    assert entry["result"] == "selected"


def test_the_scheduler_passes_over_only_a_day_another_process_drew(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day drawn elsewhere is skipped quietly; any other failure is not swallowed."""
    from puerta.draw import service as draw_service
    from puerta.web import scheduler

    token = api.sign_up_verified("race@example.org")
    api.request(token, _family(api, token, ["Sol"]))
    api.clock.advance(hours=1, minutes=5)

    def drawn_elsewhere(*_: object, pool_date: date, **__: object) -> None:
        raise DrawAlreadyRun(pool_date=pool_date)

    monkeypatch.setattr(draw_service, "run_draw", drawn_elsewhere)
    assert not any(line.startswith("drew") for line in scheduler.run_once(api.client.app))  # type: ignore[arg-type]

    def broken(*_: object, pool_date: date, **__: object) -> None:
        raise PoolStillOpen(pool_date=pool_date, closes_at=api.clock.now())

    monkeypatch.setattr(draw_service, "run_draw", broken)
    with pytest.raises(PoolStillOpen):
        scheduler.run_once(api.client.app)  # type: ignore[arg-type]
