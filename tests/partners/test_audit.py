"""Every partner action leaves one audit row, in the action's own transaction; the trail
only grows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from puerta.accounts.mail import OutboxSender
from puerta.accounts.models import User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation.liveness import LocalLivenessProvider
from puerta.confirmation.views import confirm_live
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.partners import service
from puerta.partners.models import AssistedRegistration, AuditIsAppendOnly, PartnerAudit
from puerta.partners.schemas import AssistedRegistrationIn
from puerta.registration.models import Registration
from tests.api.test_journey import run_draw
from tests.api_support import TIJUANA, Api, traveler
from tests.partners.support import P, ask, register


def _trail(api: Api) -> list[tuple[str, str | None, int | None]]:
    with api.db.session() as s:
        rows = s.scalars(select(PartnerAudit).order_by(PartnerAudit.id)).all()
        return [(r.action, r.registration_id, r.actor_id) for r in rows]


def _partner_id(api: Api, email: str) -> int:
    with api.db.session() as s:
        return s.scalar(select(User.id).where(User.email == email))  # type: ignore[return-value]


def test_each_action_is_one_row_naming_who_which_organisation_and_registration(
    api: Api, settings: Settings
) -> None:
    partner = api.partner("rosa@casa.example")
    rosa = _partner_id(api, "rosa@casa.example")
    rid = register(api, partner)["registration_id"]
    r = api.client.put(
        f"{P}/{rid}/travelers/0", json=traveler(given_names="Rosa María"), headers=api.auth(partner)
    )
    assert r.status_code == 200, r.text
    assert ask(api, partner, rid).status_code == 201
    assert ask(api, partner, rid).status_code == 200  # a retry is not a new action
    run_draw(api, settings)
    # The person confirms (at the partner's office, with the partner's camera).
    with api.db.session() as s:
        owner = s.get(User, s.get(Registration, rid).owner_id)  # type: ignore[union-attr]
    with api.db.unit_of_work() as work:
        confirm_live(
            work,
            registration_id=rid,
            owner=owner,  # type: ignore[arg-type]
            live_photo=synthetic_portrait(4242),
            settings=settings,
            clock=api.clock,
            liveness=LocalLivenessProvider(settings.photo_max_bytes),
            **TIJUANA,
        )
        work.commit()
    r = api.client.post(f"{P}/{rid}/appointment/cancel", headers=api.auth(partner))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert api.client.post(f"{P}/{rid}/handover-code", headers=api.auth(partner)).json()[
        "handover_code"
    ]
    assert api.client.post(f"{P}/{rid}/withdraw", headers=api.auth(partner)).status_code == 200
    trail = [row for row in _trail(api) if row[1] is not None]
    assert trail == [
        ("create", rid, rosa),
        ("photo", rid, rosa),
        ("edit", rid, rosa),
        ("request", rid, rosa),
        ("cancel", rid, rosa),
        ("handover_code", rid, rosa),
        ("withdraw", rid, rosa),
    ]
    with api.db.session() as s:
        create = s.scalars(select(PartnerAudit).where(PartnerAudit.action == "create")).one()
        request = s.scalars(select(PartnerAudit).where(PartnerAudit.action == "request")).one()
        assisted = s.get(AssistedRegistration, rid)
        assert create.organisation_id == assisted.organisation_id  # type: ignore[union-attr]
        assert create.detail == {"travelers": 1, "contact": "partner"}
        assert create.at == api.clock.now().replace(hour=15, minute=0)
        assert request.detail == {"port_code": "SYS", "pool_date": "2026-03-04"}


def test_a_refused_action_writes_neither_the_change_nor_its_row(api: Api) -> None:
    partner = api.partner("rosa@casa.example")
    r = api.client.post(
        P, json={"contact": "partner", "travelers": [traveler()]}, headers=api.auth(partner)
    )
    rid = r.json()["registration_id"]
    before = _trail(api)
    no_photo = ask(api, partner, rid)
    assert no_photo.json()["code"] == "request.photos_missing"
    api.client.post(f"{P}/{rid}/withdraw", headers=api.auth(partner))
    after_withdraw = _trail(api)
    edit = api.client.put(f"{P}/{rid}/travelers/0", json=traveler(), headers=api.auth(partner))
    assert edit.json()["code"] == "registration.not_editable"
    cancel = api.client.post(f"{P}/{rid}/appointment/cancel", headers=api.auth(partner))
    assert cancel.status_code == 404
    assert after_withdraw == [*before, ("withdraw", rid, _partner_id(api, "rosa@casa.example"))]
    assert _trail(api) == after_withdraw


def test_the_row_commits_and_rolls_back_with_its_action(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    api.partner("rosa@casa.example")
    data = AssistedRegistrationIn.model_validate(
        {"contact": "own", "email": "luz@example.org", "travelers": [traveler()]}
    )
    created = select(func.count()).select_from(PartnerAudit).where(PartnerAudit.action == "create")

    def register_then_fail() -> None:
        with api.db.session() as s:
            partner = s.scalar(select(User).where(User.email == "rosa@casa.example"))
            service.register(
                s,
                partner=partner,  # type: ignore[arg-type]
                data=data,
                settings=settings,
                clock=clock,
                mail=OutboxSender(clock),
            )
            assert s.scalar(created) == 1
            raise RuntimeError("the request failed after the service returned")

    with pytest.raises(RuntimeError):
        register_then_fail()
    with api.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AssistedRegistration)) == 0
        assert s.scalar(created) == 0
        assert s.scalar(select(User).where(User.email == "luz@example.org")) is None


def test_the_trail_cannot_be_changed_or_deleted(db: Database, clock: FrozenClock) -> None:
    with db.session() as s:
        org = service.create_organisation(s, name="Casa", inbox="i@casa.example", clock=clock)
        org_id = org.id
    with db.session() as s:
        row = s.scalars(select(PartnerAudit)).one()
        row.action = "nothing_happened"
        with pytest.raises(AuditIsAppendOnly):
            s.flush()
        s.rollback()
        s.delete(s.scalars(select(PartnerAudit)).one())
        with pytest.raises(AuditIsAppendOnly):
            s.flush()
        s.rollback()
    with db.session() as s:
        row = s.scalars(select(PartnerAudit)).one()
        assert (row.action, row.organisation_id, row.actor_id) == (
            "organisation_created",
            org_id,
            None,
        )
