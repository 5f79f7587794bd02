"""The staff's door: sign-in, where a signed-out or stale reader is sent, the languages
of the staff pages, and who may read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from puerta.accounts.models import AuthSession, Role, User
from puerta.audit.models import AuditEvent
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.errors import ReauthRequired
from puerta.web.staff import StaffReader, require_fresh
from tests.api_support import HTML, Api, form_token


def test_a_signed_out_staff_page_sends_the_browser_to_sign_in_and_back(api: Api) -> None:
    went = api.client.get("/staff?port=SYS", headers=HTML, follow_redirects=False)
    assert went.status_code == 303
    assert went.headers["location"] == ("/staff/sign-in?next=%2Fstaff%3Fport%3DSYS")
    form = api.client.get(went.headers["location"], headers=HTML)
    assert 'name="next" value="/staff?port=SYS"' in form.text
    api.create_staff("o@sys.example", Role.OFFICER, "SYS")
    done = api.client.post(
        "/staff/sign-in",
        data={
            "email": "o@sys.example",
            "password": "officer pass 1",
            "next": "/staff?port=SYS",
            "csrf_token": form_token(form.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/staff/second-factor?next=%2Fstaff%3Fport%3DSYS"
    with api.db.read_only() as s:
        assert s.scalar(select(AuditEvent.action)) == "staff.sign_in"
    assert api.give_second_factor_page("o@sys.example", done.headers["location"]) == (
        "/staff?port=SYS"
    )


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/staff", "/account"])
def test_sign_in_goes_only_to_a_staff_page_of_this_site(api: Api, target: str) -> None:
    api.create_staff("o@sys.example", Role.OFFICER, "SYS")
    form = api.client.get("/staff/sign-in", headers=HTML)
    done = api.client.post(
        "/staff/sign-in",
        data={
            "email": "o@sys.example",
            "password": "officer pass 1",
            "next": target,
            "csrf_token": form_token(form.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert done.headers["location"] == "/staff/second-factor?next=%2Fstaff"
    assert api.give_second_factor_page("o@sys.example", done.headers["location"]) == "/staff"


def test_an_applicant_is_refused_at_the_staff_door_and_keeps_no_session(api: Api) -> None:
    api.sign_up_verified("ana@example.org")
    with api.db.read_only() as s:
        before = s.scalar(select(func.count(AuthSession.id)))
    form = api.client.get("/staff/sign-in", headers=HTML)
    done = api.client.post(
        "/staff/sign-in",
        data={
            "email": "ana@example.org",
            "password": "correct horse battery",
            "csrf_token": form_token(form.text),
        },
        headers=HTML,
    )
    assert done.status_code == 400
    assert "This is for port staff and analysts." in done.text
    with api.db.read_only() as s:
        assert s.scalar(select(func.count(AuthSession.id))) == before
    assert api.client.get("/staff", headers=HTML, follow_redirects=False).status_code == 303


def test_a_wrong_password_shows_the_form_again_with_the_reason(api: Api) -> None:
    api.create_staff("o@sys.example", Role.OFFICER, "SYS")
    form = api.client.get("/staff/sign-in", headers=HTML)
    done = api.client.post(
        "/staff/sign-in",
        data={
            "email": "o@sys.example",
            "password": "wrong wrong",
            "csrf_token": form_token(form.text),
        },
        headers=HTML,
    )
    assert done.status_code == 400
    assert 'class="error-summary"' in done.text
    assert 'value="o@sys.example"' in done.text
    assert "wrong wrong" not in done.text


def test_the_home_shows_each_role_its_pages(api: Api) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    officer = api.client.get("/staff", headers=HTML).text
    assert 'href="/staff/ports/SYS/arrivals"' in officer
    assert "/staff/findings" not in officer
    assert "/staff/admin/audit" not in officer
    api.client.cookies.clear()
    api.staff_pages("a@hq.example", Role.ANALYST)
    analyst = api.client.get("/staff", headers=HTML).text
    assert 'href="/staff/findings"' in analyst
    assert 'href="/staff/ports/ELP/arrivals"' in analyst
    assert "/staff/admin/audit" not in analyst
    api.client.cookies.clear()
    api.staff_pages("root@hq.example", Role.ADMIN)
    assert 'href="/staff/admin/audit"' in api.client.get("/staff", headers=HTML).text


def test_staff_pages_are_in_english_or_spanish_only(api: Api) -> None:
    russian = api.client.get("/staff/sign-in", headers={**HTML, "Accept-Language": "ru"})
    assert russian.headers["content-language"] == "en"
    assert "Staff sign-in" in russian.text
    spanish = api.client.get("/staff/sign-in", headers={**HTML, "Accept-Language": "es-MX"})
    assert spanish.headers["content-language"] == "es"
    assert "Inicio de sesión del personal" in spanish.text
    # The choice offered is the staff pages' languages, not every applicant language.
    assert 'value="ru"' not in spanish.text
    assert 'value="es"' in spanish.text
    # An applicant page still speaks Russian.
    applicant = api.client.get("/sign-in", headers={**HTML, "Accept-Language": "ru"})
    assert applicant.headers["content-language"] == "ru"


def test_signing_out_ends_the_session(api: Api) -> None:
    token = api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    out = api.client.post("/staff/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.headers["location"] == "/staff/sign-in"
    assert api.client.get("/staff", headers=HTML, follow_redirects=False).status_code == 303


def test_a_sensitive_action_asks_to_prove_it_again_after_a_while(
    api: Api, clock: FrozenClock, settings: Settings
) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    with api.db.read_only() as s:
        session = s.scalar(select(AuthSession).order_by(AuthSession.id.desc()))
        reader = StaffReader(s.get(User, session.user_id), session, "", None)  # type: ignore[arg-type]
        require_fresh(reader, clock=clock, settings=settings)  # just signed in
        later = FrozenClock(
            clock.now() + timedelta(minutes=settings.staff_reauth_minutes, seconds=1)
        )
        with pytest.raises(ReauthRequired):
            require_fresh(reader, clock=later, settings=settings)
        session.reauth_at = later.now()
        require_fresh(reader, clock=later, settings=settings)
