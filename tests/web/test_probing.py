"""Access is checked before any lookup: a forbidden caller cannot tell what exists."""

from __future__ import annotations

from sqlalchemy import select

from puerta.accounts.models import Role
from puerta.findings import service as findings_service
from puerta.findings.models import Finding
from tests.api_support import Api
from tests.findings.test_findings import cluster

MISSING_FINDING = 987_654


def _existing_finding(api: Api) -> int:
    with api.db.session() as s:
        findings_service.upsert(s, [cluster(["RA", "RB"])], clock=api.clock)
    with api.db.session() as s:
        return s.scalars(select(Finding.id)).one()


def test_forbidden_callers_get_the_same_403_for_existing_and_missing_findings(api: Api) -> None:
    existing = _existing_finding(api)
    officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    applicant = api.sign_up_verified("a@example.org")
    review = {"status": "under_review", "note": "looking"}
    for token, code in ((officer, "access.analysts_only"), (applicant, "access.staff_only")):
        for finding_id in (existing, MISSING_FINDING):
            seen = api.client.get(f"/api/v1/findings/{finding_id}", headers=api.auth(token))
            assert (seen.status_code, seen.json()["code"]) == (403, code), (finding_id, seen.text)
            changed = api.client.post(
                f"/api/v1/findings/{finding_id}/review", json=review, headers=api.auth(token)
            )
            assert (changed.status_code, changed.json()["code"]) == (403, code), (
                finding_id,
                changed.text,
            )
    analyst = api.staff("an@hq.example", Role.ANALYST)
    missing = api.client.get(f"/api/v1/findings/{MISSING_FINDING}", headers=api.auth(analyst))
    assert missing.status_code == 404
    found = api.client.get(f"/api/v1/findings/{existing}", headers=api.auth(analyst))
    assert found.status_code == 200


def test_an_officer_cannot_tell_another_port_from_a_missing_one(api: Api) -> None:
    officer = api.staff("o@sys.example", Role.OFFICER, "SYS")
    day = {"date": "2026-03-18", "start": "2026-03-18"}
    for path in ("appointments", "briefing"):
        other = api.client.get(f"/api/v1/ports/ELP/{path}", params=day, headers=api.auth(officer))
        missing = api.client.get(f"/api/v1/ports/XXX/{path}", params=day, headers=api.auth(officer))
        assert (other.status_code, other.json()["code"]) == (403, "access.port_scope")
        assert (missing.status_code, missing.json()["code"]) == (403, "access.port_scope")
        own = api.client.get(f"/api/v1/ports/SYS/{path}", params=day, headers=api.auth(officer))
        assert own.status_code == 200, own.text
    analyst = api.staff("an@hq.example", Role.ANALYST)
    for path in ("appointments", "briefing"):
        r = api.client.get(f"/api/v1/ports/XXX/{path}", params=day, headers=api.auth(analyst))
        assert (r.status_code, r.json()["code"]) == (404, "port.not_found")
