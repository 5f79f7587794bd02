"""The staff's second factor: enrolment, codes right, wrong and replayed, recovery codes,
the lock, staff sessions' idle and absolute ends, re-authentication, and the API step."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from puerta.accounts import sealing, second_factor
from puerta.accounts.models import (
    AuthSession,
    OutboxMessage,
    Role,
    StaffRecoveryCode,
    StaffSecondFactor,
    User,
)
from puerta.audit.models import AuditEvent
from puerta.config import Settings
from tests.api_support import HTML, STAFF_PASSWORD, STAFF_TOTP_SECRET, Api, form_token

OFFICER = "o@sys.example"
SECRET_SHOWN = re.compile(r'class="enrol-secret" dir="ltr"><code>([A-Z2-7 ]+)</code>')
RECOVERY_SHOWN = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


def _password_step(api: Api, email: str = OFFICER, next_page: str = "") -> str:
    """The staff sign-in's password step; where it sends the browser."""
    form = api.client.get("/staff/sign-in", headers=HTML)
    done = api.client.post(
        "/staff/sign-in",
        data={
            "email": email,
            "password": STAFF_PASSWORD,
            "next": next_page,
            "csrf_token": form_token(form.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return done.headers["location"]


def _code_step(api: Api, code: str, next_page: str = "/staff") -> object:
    step = api.client.get("/staff/second-factor", headers=HTML)
    assert step.status_code == 200, step.text
    return api.client.post(
        "/staff/second-factor",
        data={"code": code, "next": next_page, "csrf_token": form_token(step.text)},
        headers=HTML,
        follow_redirects=False,
    )


def _actions(api: Api) -> list[str]:
    with api.db.read_only() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _enrol(api: Api, email: str = OFFICER) -> tuple[str, list[str]]:
    """A new account enrolled through the pages: its secret and recovery codes."""
    api.create_staff(email, Role.OFFICER, "SYS", enrolled=False)
    assert _password_step(api, email).startswith("/staff/enrol?")
    page = api.client.get("/staff/enrol", headers=HTML)
    secret = SECRET_SHOWN.search(page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    done = api.client.post(
        "/staff/enrol",
        data={
            "code": pyotp.TOTP(secret).at(api.clock.now()),
            "next": "/staff",
            "csrf_token": form_token(page.text),
        },
        headers=HTML,
    )
    assert done.status_code == 200, done.text
    return secret, RECOVERY_SHOWN.findall(done.text)


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_refuses_a_wrong_code_and_shows_recovery_codes_once(
    api: Api, settings: Settings
) -> None:
    api.create_staff(OFFICER, Role.OFFICER, "SYS", enrolled=False)
    assert _password_step(api) == "/staff/enrol?next=%2Fstaff"
    # Nothing opens before the factor is set up: the staff home sends the browser on.
    home = api.client.get("/staff", headers=HTML, follow_redirects=False)
    assert home.headers["location"] == "/staff/second-factor?next=%2Fstaff"
    onward = api.client.get(home.headers["location"], headers=HTML, follow_redirects=False)
    assert onward.headers["location"] == "/staff/enrol?next=%2Fstaff"

    page = api.client.get("/staff/enrol", headers=HTML)
    assert page.status_code == 200
    qr = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page.text)
    assert qr is not None
    assert base64.b64decode(qr.group(1)).startswith(b"<svg")
    secret = SECRET_SHOWN.search(page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert len(secret) == 32
    with api.db.read_only() as s:
        factor = s.scalar(select(StaffSecondFactor))
        assert factor is not None
        assert factor.confirmed_at is None
        assert secret not in factor.secret_sealed  # sealed at rest
        assert second_factor.secret_of(factor, settings) == secret

    right = pyotp.TOTP(secret).at(api.clock.now())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = api.client.post(
        "/staff/enrol",
        data={"code": wrong, "next": "/staff", "csrf_token": form_token(page.text)},
        headers=HTML,
    )
    assert refused.status_code == 400
    assert 'class="error-summary"' in refused.text
    assert "This code is wrong" in refused.text
    assert "data:image/svg+xml" in refused.text  # the QR code again, to try again

    done = api.client.post(
        "/staff/enrol",
        data={"code": right, "next": "/staff", "csrf_token": form_token(page.text)},
        headers=HTML,
    )
    assert done.status_code == 200
    assert done.headers["cache-control"] == "no-store"
    codes = RECOVERY_SHOWN.findall(done.text)
    assert len(set(codes)) == second_factor.RECOVERY_CODES == 10
    assert "I have saved them" in done.text
    assert api.client.get("/staff", headers=HTML).status_code == 200

    # Never again: the enrolment page moves on, and only hashes are kept.
    again = api.client.get("/staff/enrol", headers=HTML, follow_redirects=True)
    assert not any(code in again.text for code in codes)
    with api.db.read_only() as s:
        hashes = set(s.scalars(select(StaffRecoveryCode.code_hash)))
    assert len(hashes) == 10
    assert not hashes & set(codes)
    assert "staff.enrolled" in _actions(api)


def test_an_abandoned_enrolment_keeps_its_secret(api: Api) -> None:
    """A QR code scanned, then the tab closed: the next sign-in shows the same key."""
    api.create_staff(OFFICER, Role.OFFICER, "SYS", enrolled=False)
    _password_step(api)
    first = SECRET_SHOWN.search(api.client.get("/staff/enrol", headers=HTML).text)
    api.client.cookies.clear()
    _password_step(api)
    second = SECRET_SHOWN.search(api.client.get("/staff/enrol", headers=HTML).text)
    assert first is not None
    assert second is not None
    assert first.group(1) == second.group(1)


# --- signing in -----------------------------------------------------------------------------


def test_sign_in_takes_the_code_after_the_password(api: Api) -> None:
    api.create_staff(OFFICER, Role.OFFICER, "SYS")
    assert _password_step(api, next_page="/staff/admin/audit") == (
        "/staff/second-factor?next=%2Fstaff%2Fadmin%2Faudit"
    )
    # Past the password only, no staff page opens.
    pending = api.client.get("/staff", headers=HTML, follow_redirects=False)
    assert pending.headers["location"] == "/staff/second-factor?next=%2Fstaff"
    code = api.totp_code(OFFICER)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = _code_step(api, wrong)
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert 'class="error-summary"' in refused.text  # type: ignore[attr-defined]
    assert 'aria-invalid="true"' in refused.text  # type: ignore[attr-defined]
    given = _code_step(api, code)
    assert given.status_code == 303  # type: ignore[attr-defined]
    assert given.headers["location"] == "/staff"  # type: ignore[attr-defined]
    assert api.client.get("/staff", headers=HTML).status_code == 200
    assert _actions(api) == ["staff.sign_in", "staff.second_factor_failed", "staff.second_factor"]


def test_a_code_already_used_is_refused(api: Api) -> None:
    api.create_staff(OFFICER, Role.OFFICER, "SYS")
    _password_step(api)
    code = api.totp_code(OFFICER)
    assert _code_step(api, code).status_code == 303  # type: ignore[attr-defined]
    api.client.cookies.clear()
    _password_step(api)  # someone who saw the code, and knows the password
    replayed = _code_step(api, code)
    assert replayed.status_code == 400  # type: ignore[attr-defined]
    assert "already used" in replayed.text  # type: ignore[attr-defined]
    assert api.client.get("/staff", headers=HTML, follow_redirects=False).status_code == 303
    # The API refuses it the same way.
    signed = api.client.post(
        "/api/v1/sessions", json={"email": OFFICER, "password": STAFF_PASSWORD}
    ).json()
    again = api.client.post(
        "/api/v1/sessions/current/second-factor",
        json={"code": code},
        headers=api.auth(signed["token"]),
    )
    assert (again.status_code, again.json()["code"]) == (422, "staff.second_factor_replayed")


def test_a_recovery_code_works_once(api: Api) -> None:
    _, codes = _enrol(api)
    api.client.cookies.clear()
    _password_step(api)
    assert _code_step(api, codes[0].upper()).status_code == 303  # type: ignore[attr-defined]
    assert "staff.recovery_code_used" in _actions(api)
    api.client.cookies.clear()
    _password_step(api)
    spent = _code_step(api, codes[0])
    assert spent.status_code == 400  # type: ignore[attr-defined]
    assert _code_step(api, codes[1]).status_code == 303  # type: ignore[attr-defined]
    with api.db.read_only() as s:
        assert second_factor.recovery_codes_left(s, s.scalar(select(User.id))) == 8  # type: ignore[arg-type]


def test_wrong_codes_lock_the_second_factor_and_mail_the_owner(
    api: Api, settings: Settings
) -> None:
    api.create_staff(OFFICER, Role.OFFICER, "SYS")
    token = api.client.post(
        "/api/v1/sessions", json={"email": OFFICER, "password": STAFF_PASSWORD}
    ).json()["token"]
    good = api.totp_code(OFFICER)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    answers = []
    for _ in range(settings.staff_second_factor_attempts):
        r = api.client.post(
            "/api/v1/sessions/current/second-factor",
            json={"code": bad},
            headers=api.auth(token),
        )
        answers.append((r.status_code, r.json()["code"]))
    assert answers[:-1] == [(422, "staff.second_factor_wrong")] * 4
    assert answers[-1] == (429, "staff.second_factor_locked")
    # Locked: even the right code is refused, with how long to wait.
    locked = api.client.post(
        "/api/v1/sessions/current/second-factor", json={"code": good}, headers=api.auth(token)
    )
    assert (locked.status_code, locked.json()["code"]) == (429, "staff.second_factor_locked")
    assert int(locked.headers["retry-after"]) == 15 * 60
    with api.db.read_only() as s:
        mail = s.scalars(
            select(OutboxMessage.subject).where(OutboxMessage.to_address == OFFICER)
        ).all()
    assert len(mail) == 1
    assert "wrong codes" in mail[0].lower()
    assert "staff.second_factor_locked" in _actions(api)
    # The lock ends by itself.
    api.clock.advance(minutes=settings.staff_second_factor_lock_minutes, seconds=1)
    again = api.sign_in(OFFICER, STAFF_PASSWORD)  # and its second step, which passes now
    assert api.client.get("/api/v1/me", headers=api.auth(again)).status_code == 200


# --- staff sessions -------------------------------------------------------------------------


def test_an_idle_staff_session_ends_and_the_page_says_so(api: Api, settings: Settings) -> None:
    api.staff_pages(OFFICER, Role.OFFICER, "SYS")
    for _ in range(3):  # in use: each request keeps it open
        api.clock.advance(minutes=settings.staff_idle_minutes - 1)
        assert api.client.get("/staff", headers=HTML).status_code == 200
    api.clock.advance(minutes=settings.staff_idle_minutes, seconds=1)
    ended = api.client.get("/staff/admin/audit?page=2", headers=HTML, follow_redirects=False)
    assert ended.status_code == 303
    assert ended.headers["location"] == (
        "/staff/sign-in?ended=1&next=%2Fstaff%2Fadmin%2Faudit%3Fpage%3D2"
    )
    page = api.client.get(ended.headers["location"], headers=HTML)
    assert "You were signed out" in page.text
    # Over the API: a coded 401. An applicant's session has no idle end.
    officer = api.staff("o2@sys.example", Role.OFFICER, "SYS")
    applicant = api.sign_up_verified("ana@example.org")
    api.clock.advance(minutes=settings.staff_idle_minutes, seconds=1)
    idle = api.client.get("/api/v1/me", headers=api.auth(officer))
    assert (idle.status_code, idle.json()["code"]) == (401, "staff.session_idle")
    assert api.client.get("/api/v1/me", headers=api.auth(applicant)).status_code == 200


def test_activity_is_written_at_most_once_a_minute(api: Api) -> None:
    token = api.staff(OFFICER, Role.OFFICER, "SYS")

    def seen() -> object:
        with api.db.read_only() as s:
            return s.scalar(select(AuthSession.last_seen_at).order_by(AuthSession.id.desc()))

    first = seen()
    assert first == api.clock.now()
    api.clock.advance(seconds=30)
    assert api.client.get("/api/v1/me", headers=api.auth(token)).status_code == 200
    assert seen() == first
    api.clock.advance(seconds=31)
    assert api.client.get("/api/v1/me", headers=api.auth(token)).status_code == 200
    assert seen() == api.clock.now()


def test_a_staff_session_ends_after_session_hours_however_busy(
    api: Api, settings: Settings
) -> None:
    token = api.staff(OFFICER, Role.OFFICER, "SYS")
    step = timedelta(minutes=settings.staff_idle_minutes - 1)
    elapsed = timedelta(0)
    while elapsed + step < timedelta(hours=settings.session_hours):
        api.clock.advance(seconds=step.total_seconds())
        elapsed += step
        assert api.client.get("/api/v1/me", headers=api.auth(token)).status_code == 200
    api.clock.advance(seconds=(timedelta(hours=settings.session_hours) - elapsed).total_seconds())
    over = api.client.get("/api/v1/me", headers=api.auth(token))
    assert (over.status_code, over.json()["code"]) == (401, "auth.session_ended")


# --- re-authentication ----------------------------------------------------------------------


def test_confirming_who_you_are_takes_the_password_and_a_fresh_code(api: Api) -> None:
    api.staff_pages(OFFICER, Role.OFFICER, "SYS")
    used = api.totp_code(OFFICER)  # the next one; the sign-in's step is spent
    form = api.client.get("/staff/confirm?next=/staff/admin/audit", headers=HTML)
    assert form.status_code == 200
    token = form_token(form.text)

    def confirm(password: str, code: str) -> object:
        return api.client.post(
            "/staff/confirm",
            data={
                "password": password,
                "code": code,
                "next": "/staff/admin/audit",
                "csrf_token": token,
            },
            headers=HTML,
            follow_redirects=False,
        )

    wrong_password = confirm("not my password", used)
    assert wrong_password.status_code == 400  # type: ignore[attr-defined]
    assert "Email or password is wrong." in wrong_password.text  # type: ignore[attr-defined]
    with api.db.read_only() as s:
        assert s.scalar(select(AuthSession.reauth_at)) is None
        spent = s.scalar(select(StaffSecondFactor.last_step))
    wrong_code = confirm(STAFF_PASSWORD, pyotp.TOTP(STAFF_TOTP_SECRET).generate_otp(spent))
    assert wrong_code.status_code == 400  # type: ignore[attr-defined]
    assert "already used" in wrong_code.text  # type: ignore[attr-defined]
    done = confirm(STAFF_PASSWORD, used)
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert done.headers["location"] == "/staff/admin/audit"  # type: ignore[attr-defined]
    with api.db.read_only() as s:
        assert s.scalar(select(AuthSession.reauth_at)) == api.clock.now()
    assert "staff.reauth" in _actions(api)


# --- the API --------------------------------------------------------------------------------


def test_the_api_signs_staff_in_with_a_second_step(api: Api) -> None:
    api.create_staff(OFFICER, Role.OFFICER, "SYS")
    signed = api.client.post(
        "/api/v1/sessions", json={"email": OFFICER, "password": STAFF_PASSWORD}
    )
    assert signed.json()["second_factor"] == "required"
    auth = api.auth(signed.json()["token"])
    for path in ("/api/v1/me", "/api/v1/ports/SYS/appointments?date=2026-03-18"):
        refused = api.client.get(path, headers=auth)
        assert (refused.status_code, refused.json()["code"]) == (
            401,
            "staff.second_factor_required",
        )
    given = api.client.post(
        "/api/v1/sessions/current/second-factor",
        json={"code": api.totp_code(OFFICER)},
        headers=auth,
    )
    assert given.status_code == 200
    assert given.json() == {"method": "totp"}
    assert api.client.get("/api/v1/me", headers=auth).status_code == 200
    # Staff who never enrolled are told to enrol first.
    api.create_staff("new@sys.example", Role.OFFICER, "SYS", enrolled=False)
    fresh = api.client.post(
        "/api/v1/sessions", json={"email": "new@sys.example", "password": STAFF_PASSWORD}
    )
    assert fresh.json()["second_factor"] == "enrol"
    not_yet = api.client.post(
        "/api/v1/sessions/current/second-factor",
        json={"code": "123456"},
        headers=api.auth(fresh.json()["token"]),
    )
    assert (not_yet.status_code, not_yet.json()["code"]) == (
        409,
        "staff.second_factor_not_enrolled",
    )


def test_an_applicant_signs_in_as_before(api: Api) -> None:
    api.sign_up_verified("ana@example.org")
    signed = api.client.post(
        "/api/v1/sessions", json={"email": "ana@example.org", "password": "correct horse battery"}
    )
    assert signed.json()["second_factor"] is None
    auth = api.auth(signed.json()["token"])
    assert api.client.get("/api/v1/me", headers=auth).status_code == 200
    refused = api.client.post(
        "/api/v1/sessions/current/second-factor", json={"code": "123456"}, headers=auth
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "access.staff_only")


# --- the secret at rest ---------------------------------------------------------------------


def test_a_sealed_secret_opens_only_with_its_key_and_its_row() -> None:
    key = sealing.derive_key("one key", "staff-second-factor")
    sealed = sealing.seal(key, STAFF_TOTP_SECRET, "staff_second_factors:1:totp")
    assert STAFF_TOTP_SECRET not in sealed
    assert sealing.unseal(key, sealed, "staff_second_factors:1:totp") == STAFF_TOTP_SECRET
    with pytest.raises(sealing.Unsealable):
        sealing.unseal(key, sealed, "staff_second_factors:2:totp")
    with pytest.raises(sealing.Unsealable):
        sealing.unseal(
            sealing.derive_key("another key", "staff-second-factor"),
            sealed,
            "staff_second_factors:1:totp",
        )
