"""Numbers and dates a client can type never reach the store or date arithmetic out of
range: a 422 that names the field, never a 500 (issue 12's measured defects)."""

from __future__ import annotations

import pytest

from puerta.accounts.models import Role
from tests.api_support import Api


@pytest.mark.parametrize(
    ("role", "url", "field"),
    [
        (Role.ANALYST, "/api/v1/findings?offset=99999999999999999999", "offset"),
        (Role.ANALYST, "/api/v1/findings/99999999999999999999", "finding_id"),
        (Role.ANALYST, "/api/v1/findings/0", "finding_id"),
        (Role.ANALYST, f"/api/v1/findings/{2**31}", "finding_id"),
        (Role.OFFICER, "/api/v1/ports/SYS/briefing?start=9999-12-31", "start"),
        (Role.OFFICER, "/api/v1/ports/SYS/briefing?start=0001-01-01", "start"),
    ],
)
def test_out_of_range_is_a_clear_422(api: Api, role: Role, url: str, field: str) -> None:
    token = api.staff("staff@example.org", role, "SYS" if role == Role.OFFICER else None)
    r = api.client.get(url, headers=api.auth(token))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]


def test_the_largest_id_is_simply_not_found(api: Api) -> None:
    token = api.staff("an@example.org", Role.ANALYST)
    r = api.client.get(f"/api/v1/findings/{2**31 - 1}", headers=api.auth(token))
    assert r.status_code == 404, r.text


def test_a_briefing_in_range_still_answers(api: Api) -> None:
    token = api.staff("of@example.org", Role.OFFICER, "SYS")
    r = api.client.get("/api/v1/ports/SYS/briefing?start=2199-12-31", headers=api.auth(token))
    assert r.status_code == 200, r.text
