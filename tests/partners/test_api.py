"""The assisted channel over HTTP: admins make partners, partners register people who
have no phone, the person takes it over, and each partner sees only its own."""

from __future__ import annotations

from sqlalchemy import select

from puerta.accounts.models import OutboxMessage, User
from puerta.partners.models import AssistedRegistration
from tests.api_support import Api, last_code, traveler
from tests.partners.support import P, admin, ask, register

ORGS = "/api/v1/admin/partner-organisations"


def test_an_admin_makes_an_organisation_and_its_partner_account(api: Api) -> None:
    token = admin(api)
    r = api.client.post(
        ORGS,
        json={"name": "Albergue Sur", "inbox": "Intake@Albergue.example"},
        headers=api.auth(token),
    )
    assert r.status_code == 201, r.text
    org = r.json()
    assert (org["name"], org["inbox"], org["is_active"]) == (
        "Albergue Sur",
        "intake@albergue.example",
        True,
    )
    again = api.client.post(
        ORGS, json={"name": "Albergue Sur", "inbox": "x@albergue.example"}, headers=api.auth(token)
    )
    assert (again.status_code, again.json()["code"]) == (409, "partner.organisation_taken")
    assert again.headers["content-type"].startswith("application/problem+json")
    member = api.client.post(
        f"{ORGS}/{org['id']}/members",
        json={"email": "rosa@albergue.example", "password": "partner pass 1"},
        headers=api.auth(token),
    )
    assert member.status_code == 201, member.text
    partner = api.sign_in("rosa@albergue.example", "partner pass 1")
    me = api.client.get("/api/v1/me", headers=api.auth(partner)).json()
    assert me["role"] == "partner"
    missing = api.client.post(
        f"{ORGS}/999999/members",
        json={"email": "x@albergue.example", "password": "partner pass 1"},
        headers=api.auth(token),
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "partner.organisation_not_found")
    listed = api.client.get(ORGS, headers=api.auth(token)).json()
    assert [o["name"] for o in listed] == ["Albergue Sur"]


def test_a_partner_held_contact_is_a_tagged_inbox_and_a_handover_code(api: Api) -> None:
    partner = api.partner("rosa@casa.example")
    made = register(api, partner)
    assert made["contact"] == "partner"
    assert made["contact_email"].startswith("intake+p")
    assert made["contact_email"].endswith("@casa.example")
    assert len(made["handover_code"]) == 14  # XXXX-XXXX-XXXX
    assert made["registration"]["complete"] is False  # the photo came after the answer
    with api.db.session() as s:
        owner = s.scalar(select(User).where(User.email == made["contact_email"]))
        assert owner is not None
        assert owner.role == "applicant"
        assert owner.password_hash.startswith("!")  # nobody signs in to it
    shown = api.client.get(f"{P}/{made['registration_id']}", headers=api.auth(partner)).json()
    assert shown["handover_code"] is None  # shown once, kept as a hash
    assert shown["registration"]["complete"] is True


def test_the_person_takes_it_over_with_the_code_into_their_own_account(api: Api) -> None:
    partner = api.partner("rosa@casa.example")
    made = register(api, partner)
    rid = made["registration_id"]
    person = api.sign_up_verified("rosa.lopez@example.org")
    wrong = api.client.post(
        "/api/v1/handover", json={"code": "AAAA-BBBB-CCCC"}, headers=api.auth(person)
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "partner.handover_code_wrong")
    code = made["handover_code"].lower()  # typed as it comes: case and dashes do not matter
    r = api.client.post("/api/v1/handover", json={"code": code}, headers=api.auth(person))
    assert r.status_code == 200, r.text
    mine = api.client.get("/api/v1/registrations", headers=api.auth(person)).json()
    assert [m["id"] for m in mine] == [rid]
    status = api.client.get(f"/api/v1/registrations/{rid}/status", headers=api.auth(person))
    assert status.json()["stage"] == "no_request"
    shown = api.client.get(f"{P}/{rid}", headers=api.auth(partner)).json()
    assert shown["handed_over"] is True
    assert shown["registration"] is None
    edit = api.client.put(f"{P}/{rid}/travelers/0", json=traveler(), headers=api.auth(partner))
    assert (edit.status_code, edit.json()["code"]) == (409, "partner.handed_over")
    twice = api.client.post("/api/v1/handover", json={"code": code}, headers=api.auth(person))
    assert twice.json()["code"] == "partner.handover_code_wrong"
    with api.db.session() as s:
        held = s.scalar(select(User).where(User.email == made["contact_email"]))
        assert held is not None
        assert held.is_active is False


def test_own_email_mails_the_person_who_sets_a_password_to_take_over(api: Api) -> None:
    partner = api.partner("rosa@casa.example")
    made = register(api, partner, contact="own", email="Marta@Example.org", language="es")
    rid = made["registration_id"]
    assert made["handover_code"] is None
    assert made["contact_email"] == "marta@example.org"
    with api.db.session() as s:
        mail = s.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == "marta@example.org")
        ).one()
    assert "Casa del Migrante (synthetic)" in mail.body
    # The person does what the mail says: "I forgot my password", then signs in.
    r = api.client.post("/api/v1/accounts/password/forgot", json={"email": "marta@example.org"})
    assert r.status_code == 202
    r = api.client.post(
        "/api/v1/accounts/password/reset",
        json={
            "email": "marta@example.org",
            "code": last_code(api.db, "marta@example.org"),
            "password": "marta's own pass",
        },
    )
    assert r.status_code == 200, r.text
    person = api.sign_in("marta@example.org", "marta's own pass")
    mine = api.client.get("/api/v1/registrations", headers=api.auth(person)).json()
    assert [m["id"] for m in mine] == [rid]
    shown = api.client.get(f"{P}/{rid}", headers=api.auth(partner)).json()
    assert shown["handed_over"] is True
    assert shown["registration"] is None
    assert ask(api, partner, rid).json()["code"] == "partner.handed_over"


def test_the_contact_rules_are_coded_refusals(api: Api) -> None:
    partner = api.partner("rosa@casa.example")
    body = {"travelers": [traveler()]}
    cases = [
        ({"contact": "own"}, 422, "partner.contact_email_required"),
        ({"contact": "partner", "email": "a@example.org"}, 422, "partner.contact_email_not_wanted"),
        ({"contact": "own", "email": "rosa@casa.example"}, 409, "partner.person_has_account"),
    ]
    for extra, status, code in cases:
        r = api.client.post(P, json=body | extra, headers=api.auth(partner))
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
        assert r.json()["field"] == "email"
    with api.db.session() as s:  # nothing half-written: no account, no registration
        assert s.scalars(select(AssistedRegistration)).all() == []
        assert s.scalar(select(User).where(User.email == "a@example.org")) is None


def test_partners_see_only_what_their_organisation_submitted(api: Api) -> None:
    rosa = api.partner("rosa@casa.example")
    ines = api.partner("ines@casa.example")  # a colleague at the same organisation
    omar = api.partner("omar@legal.example", organisation="Legal Aid (synthetic)")
    mine = register(api, rosa)["registration_id"]
    theirs = register(api, omar)["registration_id"]
    listed = api.client.get(P, headers=api.auth(ines)).json()
    assert [m["registration_id"] for m in listed] == [mine]
    assert [m["registration_id"] for m in api.client.get(P, headers=api.auth(omar)).json()] == [
        theirs
    ]
    calls = [
        ("GET", "", None),
        ("PUT", "/travelers/0", traveler()),
        ("POST", "/requests", {"port_code": "SYS", "latitude": 32.5, "longitude": -117.0}),
        ("POST", "/withdraw", None),
        ("POST", "/appointment/cancel", None),
        ("POST", "/handover-code", None),
    ]
    for method, path, body in calls:
        r = api.client.request(method, f"{P}/{theirs}{path}", json=body, headers=api.auth(rosa))
        assert (r.status_code, r.json()["code"]) == (404, "registration.not_found"), (path, r.text)
    # A partner is not an applicant: the person's own routes stay the person's.
    r = api.client.get(f"/api/v1/registrations/{mine}", headers=api.auth(rosa))
    assert (r.status_code, r.json()["code"]) == (403, "access.applicants_only")
    applicant = api.sign_up_verified("ana@example.org")
    r = api.client.get(P, headers=api.auth(applicant))
    assert (r.status_code, r.json()["code"]) == (403, "access.partners_only")
    audit = api.client.get("/api/v1/partner/audit", headers=api.auth(omar)).json()
    assert {row["registration_id"] for row in audit} - {None} == {theirs}


def test_a_suspended_organisation_cannot_act(api: Api) -> None:
    partner = api.partner("rosa@casa.example")
    rid = register(api, partner)["registration_id"]
    token = admin(api)
    org = api.client.get(ORGS, headers=api.auth(token)).json()[0]
    r = api.client.post(f"{ORGS}/{org['id']}/suspend", headers=api.auth(token))
    assert r.json()["is_active"] is False
    for method, url in (("GET", P), ("POST", f"{P}/{rid}/withdraw")):
        r = api.client.request(method, url, headers=api.auth(partner))
        assert (r.status_code, r.json()["code"]) == (403, "partner.organisation_inactive")
    api.client.post(f"{ORGS}/{org['id']}/reinstate", headers=api.auth(token))
    assert api.client.get(P, headers=api.auth(partner)).status_code == 200
    trail = api.client.get("/api/v1/admin/partner-audit", headers=api.auth(token)).json()
    assert [row["action"] for row in trail][:2] == ["reinstated", "suspended"]


def test_a_partner_asks_and_withdraws_by_the_same_rules_as_anyone(api: Api) -> None:
    partner = api.partner("rosa@casa.example")
    rid = register(api, partner)["registration_id"]
    first = ask(api, partner, rid)
    assert first.status_code == 201, first.text
    again = ask(api, partner, rid)
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    elsewhere = ask(api, partner, rid, port="ELP")
    assert elsewhere.json()["code"] == "request.asked_elsewhere"
    other = register(api, partner, travelers=[traveler(given_names="Iván")])["registration_id"]
    r = api.client.post(
        f"{P}/{other}/requests",
        json={"port_code": "SYS", "latitude": 40.7, "longitude": -74.0},  # New York
        headers=api.auth(partner),
    )
    assert (r.status_code, r.json()["code"]) == (403, "request.outside_area")
    r = api.client.post(f"{P}/{rid}/withdraw", headers=api.auth(partner))
    assert r.status_code == 200
    assert r.json()["status"] == "withdrawn"
