"""The per-partner report: volumes per partner per day beside everyone's, and the flags
that show a partner becoming a registration farm."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from puerta.accounts.models import Role
from puerta.config import Settings
from puerta.partners.report import Volume, assess
from tests.api.test_journey import run_draw
from tests.api_support import Api, traveler
from tests.partners.support import ask, register

DAY = date(2026, 3, 4)
REPORT = "/api/v1/admin/partner-report"


def _steady(org: int, per_day: int, last: date, days: int = 7) -> dict[tuple[int, date], Volume]:
    return {
        (org, last - timedelta(days=n)): Volume(registrations=per_day) for n in range(1, days + 1)
    }


def _flags(days: dict[tuple[int, date], Volume], org: int) -> tuple[str, ...]:
    rows = assess(days, {DAY: Volume(registrations=1000)}, days=[DAY], jump_factor=3, min_volume=20)
    return next(r.flags for r in rows if r.organisation_id == org)


def test_a_partner_far_above_its_own_week_is_flagged_and_a_steady_one_is_not() -> None:
    steady = _steady(1, 30, DAY) | {(1, DAY): Volume(registrations=35)}
    assert _flags(steady, 1) == ()
    jumped = _steady(1, 30, DAY) | {(1, DAY): Volume(registrations=95)}
    assert _flags(jumped, 1) == ("jump",)


def test_small_volumes_are_never_flagged() -> None:
    # From nothing to 19 in a day is a jump of any factor, but 19 people is a busy shelter.
    assert _flags({(1, DAY): Volume(registrations=19)}, 1) == ()
    assert _flags({(1, DAY): Volume(registrations=20)}, 1) == ("jump",)


def test_a_partner_far_above_the_others_that_day_is_flagged() -> None:
    days = (
        _steady(1, 60, DAY)
        | {(1, DAY): Volume(registrations=60)}
        | {(o, DAY): Volume(registrations=10) for o in (2, 3, 4)}
    )
    assert _flags(days, 1) == ("above_peers",)
    assert _flags(days, 2) == ()


def test_shares_and_selection_rates_compare_with_everyone_else() -> None:
    days = {(1, DAY): Volume(registrations=5, travelers=9, requests=10, selections=4)}
    total = {DAY: Volume(registrations=50, travelers=90, requests=110, selections=24)}
    (row,) = assess(days, total, days=[DAY], jump_factor=3, min_volume=20)
    assert row.share_of_registrations == pytest.approx(0.1)
    assert (row.selection_rate, row.rest_selection_rate) == (0.4, 0.2)
    assert row.peers_median_registrations == 0.0
    assert row.flags == ()


def test_the_report_counts_from_the_store_by_local_day(api: Api, settings: Settings) -> None:
    casa = api.partner("rosa@casa.example")
    legal = api.partner("omar@legal.example", organisation="Legal Aid (synthetic)")
    first = register(api, casa)["registration_id"]
    register(api, casa, travelers=[traveler(given_names="Iván"), traveler(given_names="Eva")])
    register(api, legal, travelers=[traveler(given_names="Noor")])
    api.registration(api.sign_up_verified("ana@example.org"))  # someone registering themselves
    assert ask(api, casa, first).status_code == 201
    run_draw(api, settings)  # one request, seats for it: selected
    api.clock.advance(hours=12)  # 04:05 UTC on Mar 5: still Mar 4 in New York
    legal = api.sign_in("omar@legal.example", "partner pass 1")  # a staff session lasts 12 h
    register(api, legal, travelers=[traveler(given_names="Zaid")])
    analyst = api.staff("analyst@hq.example", Role.ANALYST)
    r = api.client.get(
        REPORT, params={"start": DAY.isoformat(), "end": DAY.isoformat()}, headers=api.auth(analyst)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {row["organisation"]: row for row in body["rows"]}
    casa_row, legal_row = rows["Casa del Migrante (synthetic)"], rows["Legal Aid (synthetic)"]
    assert (casa_row["registrations"], casa_row["travelers"]) == (2, 3)
    assert (casa_row["requests"], casa_row["selections"]) == (1, 1)
    assert (legal_row["registrations"], legal_row["travelers"]) == (2, 2)
    assert body["totals"][DAY.isoformat()] == {
        "registrations": 5,
        "travelers": 6,
        "requests": 1,
        "selections": 1,
    }
    assert casa_row["share_of_registrations"] == pytest.approx(0.4)
    assert casa_row["peers_median_registrations"] == 2.0
    assert casa_row["selection_rate"] == 1.0
    assert casa_row["rest_selection_rate"] is None


def test_the_report_refuses_a_range_it_cannot_answer(api: Api) -> None:
    analyst = api.staff("analyst@hq.example", Role.ANALYST)
    for start, end in (("2026-01-01", "2026-06-01"), ("2026-03-04", "2026-03-03")):
        r = api.client.get(REPORT, params={"start": start, "end": end}, headers=api.auth(analyst))
        assert (r.status_code, r.json()["code"]) == (422, "partner.report_range")
        assert r.headers["content-type"].startswith("application/problem+json")
    r = api.client.get(
        REPORT, params={"start": "9999-12-31", "end": "9999-12-31"}, headers=api.auth(analyst)
    )
    assert r.status_code == 422
