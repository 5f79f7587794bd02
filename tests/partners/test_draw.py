"""An assisted registration is one ticket per person like any other: the draw and its
duplicate handling treat it exactly as a registration the person made themselves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from puerta.config import Settings
from puerta.draw.models import DrawCommitment, DrawReview
from puerta.draw.record import Record
from tests.api.test_journey import POOL_DAY, run_draw
from tests.api_support import Api, traveler
from tests.partners.support import ask, register

ANA = {"given_names": "Ana Lucía", "family_names": "Morales Pérez", "date_of_birth": "1990-05-17"}
# The same woman, written as a partner's intake form or a second account might write her.
ANA_AGAIN = {"given_names": "Ana Lucia", "family_names": "Morales", "date_of_birth": "1990-05-17"}
BO = {"given_names": "Bo", "family_names": "Chen", "date_of_birth": "1985-01-02", "sex": "M"}


def _self_made(api: Api, email: str, person: dict[str, str]) -> str:
    token = api.sign_up_verified(email)
    body = {"travelers": [traveler(**person, email=None)]}
    rid = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token)).json()["id"]
    from tests.api_support import portrait_for

    assert api.photo(token, rid, 0, portrait_for(rid, 0)).status_code == 200
    assert api.request(token, rid, "SYS").status_code == 201
    return rid


def _pool(api: Api) -> tuple[list[Record], list[tuple[str, str, str]]]:
    with api.db.session() as s:
        row = s.scalars(select(DrawCommitment).where(DrawCommitment.pool_date == POOL_DAY)).one()
        records = [Record.parse(line) for line in row.records or []]
        reviews = [
            (r.registration_id, r.into_registration_id, r.role)
            for r in s.scalars(select(DrawReview).where(DrawReview.pool_date == POOL_DAY))
        ]
    return records, reviews


@pytest.mark.parametrize("second", ["self", "partner"])
def test_a_person_registered_twice_has_one_ticket_whoever_made_the_second(
    api: Api, settings: Settings, second: str
) -> None:
    first = _self_made(api, "ana@example.org", ANA)
    _self_made(api, "bo@example.org", BO)
    api.clock.advance(minutes=5)
    if second == "self":
        again = _self_made(api, "ana.two@example.org", ANA_AGAIN)
    else:
        partner = api.partner("rosa@casa.example")
        again = register(api, partner, travelers=[traveler(**ANA_AGAIN, email=None)])[
            "registration_id"
        ]
        assert ask(api, partner, again).status_code == 201
    run_draw(api, settings)
    records, reviews = _pool(api)
    # Whoever made it, the duplicate is folded into Ana's first registration, the same way:
    # two persons, two tickets (the duplicate's record joins Ana's entrant and adds no
    # seat), and the merge listed for review.
    assert len({r.entrant_id for r in records}) == 2
    assert sorted(r.seats for r in records) == [0, 1, 1]
    assert reviews == [(again, first, "duplicate")]


def test_an_assisted_registration_alone_is_an_ordinary_entrant(
    api: Api, settings: Settings
) -> None:
    """No advantage, no penalty: its record holds what anyone's holds (its own entrant, its
    travelers' seats, its registration day as seniority, no priority)."""
    partner = api.partner("rosa@casa.example")
    two = [traveler(**BO, email=None), traveler(given_names="Mei", family_names="Chen")]
    rid = register(api, partner, travelers=two)["registration_id"]
    assert ask(api, partner, rid).status_code == 201
    self_rid = _self_made(api, "ana@example.org", ANA)
    run_draw(api, settings)
    records, reviews = _pool(api)
    assert reviews == []
    by_seats = sorted((r.seats, r.seniority, r.priority, r.port_code) for r in records)
    assert by_seats == [(1, POOL_DAY, False, "SYS"), (2, POOL_DAY, False, "SYS")]
    assert len({r.entrant_id for r in records}) == 2
    # Seats were plentiful: both are offered, the partner's group whole.
    for registration_id, seats in ((rid, 2), (self_rid, 1)):
        with api.db.session() as s:
            from puerta.draw.models import Selection

            sel = s.scalars(
                select(Selection).where(Selection.registration_id == registration_id)
            ).one()
            assert sel.seats == seats
