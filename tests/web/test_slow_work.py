"""Slow work (argon2, Pillow, the liveness provider, SMTP) runs holding no connection.

Each slow function is wrapped so that it asserts, when called inside a request,
that the app's pool has no connection checked out (so, on SQLite, no write lock
is held either); the API test helpers then walk the journey through it.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from puerta.accounts import mail, passwords
from puerta.accounts import service as accounts_service
from puerta.accounts.models import AuthSession, OutboxMessage
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation.liveness import LocalLivenessProvider
from puerta.confirmation.models import LivenessCheck
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.journey import views as journey_views
from tests.api.test_journey import run_draw
from tests.api_support import TIJUANA, Api, portrait_for

# pool.checkedout() needs a real engine (a savepoint test holds its one connection).
pytestmark = pytest.mark.committing


class Calls:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.names: list[str] = []

    def holding_nothing(self, name: str, slow: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            checked_out = self.db.engine.pool.checkedout()  # type: ignore[attr-defined]
            assert checked_out == 0, f"{name} ran holding {checked_out} connection(s)"
            self.names.append(name)
            return slow(*args, **kwargs)

        return wrapped


@pytest.fixture
def calls(api: Api, monkeypatch: pytest.MonkeyPatch) -> Calls:
    calls = Calls(api.db)
    for name in ("hash_password", "verify_password"):
        monkeypatch.setattr(passwords, name, calls.holding_nothing(name, getattr(passwords, name)))
    monkeypatch.setattr(
        journey_views,
        "check_photo",
        calls.holding_nothing("check_photo", journey_views.check_photo),
    )
    monkeypatch.setattr(
        LocalLivenessProvider,
        "check",
        calls.holding_nothing("liveness", LocalLivenessProvider.check),
    )
    return calls


def test_argon2_pillow_and_liveness_hold_no_connection(
    api: Api, calls: Calls, settings: Settings
) -> None:
    token = api.sign_up_verified("ana@example.org")  # hash on sign-up, verify on sign-in
    r = api.client.post(  # an unknown address: the dummy hash, holding nothing too
        "/api/v1/sessions", json={"email": "nobody@example.org", "password": "whatever pass"}
    )
    assert r.status_code == 401
    rid = api.registration(token, travelers=1)  # the photo is decoded after release()
    assert api.request(token, rid, "SYS").status_code == 201
    run_draw(api, settings)
    confirmed = api.client.post(
        f"/api/v1/registrations/{rid}/selection/confirm",
        files={"live_photo": ("live.png", synthetic_portrait(424242), "image/png")},
        data={k: str(v) for k, v in TIJUANA.items()},
        headers=api.auth(token),
    )
    assert confirmed.status_code == 200, confirmed.text
    assert {"hash_password", "verify_password", "check_photo", "liveness"} <= set(calls.names)


def test_a_replayed_live_photo_still_fails_and_is_counted(api: Api, settings: Settings) -> None:
    token = api.sign_up_verified("ana@example.org")
    rid = api.registration(token, travelers=1)
    assert api.request(token, rid, "SYS").status_code == 201
    run_draw(api, settings)
    replay = api.client.post(
        f"/api/v1/registrations/{rid}/selection/confirm",
        files={"live_photo": ("live.png", portrait_for(rid, 0), "image/png")},
        data={k: str(v) for k, v in TIJUANA.items()},
        headers=api.auth(token),
    )
    assert replay.status_code == 422, replay.text
    assert replay.json()["code"] == "liveness.failed"
    with api.db.read_only() as s:
        assert [c.passed for c in s.scalars(select(LivenessCheck))] == [False]


def test_applicants_sessions_last_through_a_window(api: Api) -> None:
    token = api.sign_up_verified("ana@example.org")
    with api.db.read_only() as s:
        auth = s.scalars(select(AuthSession)).one()
        assert auth.expires_at - auth.created_at == timedelta(hours=48)
    api.clock.advance(hours=47)
    assert api.client.get("/api/v1/me", headers=api.auth(token)).status_code == 200


# --- mail after commit ---------------------------------------------------------------------


class FakeSmtp:
    """smtplib.SMTP's part that deliver_pending uses; ``fail`` makes every send refuse."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.connections = 0
        self.fail = False

    def __call__(self, _settings: Settings) -> FakeSmtp:
        self.connections += 1
        return self

    def __enter__(self) -> FakeSmtp:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send_message(self, msg: EmailMessage) -> None:
        if self.fail:
            raise smtplib.SMTPRecipientsRefused({msg["To"]: (550, b"no")})
        self.sent.append(msg)


def _no_smtp_in_a_request(*_args: object, **_kwargs: object) -> None:
    pytest.fail("SMTP inside a request")


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> FakeSmtp:
    fake = FakeSmtp()
    monkeypatch.setattr(settings, "mail_backend", "smtp")
    monkeypatch.setattr(smtplib, "SMTP", _no_smtp_in_a_request)
    return fake


def _outbox(db: Database) -> list[OutboxMessage]:
    with db.read_only() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        s.expunge_all()  # plain values to read after the read ends
        return rows


def test_smtp_mail_is_sent_after_commit_not_in_the_request(
    api: Api, smtp: FakeSmtp, settings: Settings, clock: FrozenClock
) -> None:
    r = api.client.post(
        "/api/v1/accounts", json={"email": "ana@example.org", "password": "correct horse battery"}
    )
    assert r.status_code == 201, r.text
    (pending,) = _outbox(api.db)
    assert pending.backend == "smtp"
    assert pending.sent_at is None
    assert smtp.connections == 0

    assert mail.deliver_pending(api.db, settings=settings, clock=clock, connect=smtp) == (1, 0)
    (msg,) = smtp.sent
    assert msg["To"] == "ana@example.org"
    assert "Your code is" in msg.get_content()
    (sent,) = _outbox(api.db)
    assert sent.sent_at == clock.now()
    assert sent.body == mail.SENT_BODY
    assert mail.deliver_pending(api.db, settings=settings, clock=clock, connect=smtp) == (0, 0)
    assert len(smtp.sent) == 1


def test_a_rolled_back_sign_up_sends_nothing(
    api: Api, smtp: FakeSmtp, settings: Settings, clock: FrozenClock
) -> None:
    with api.db.unit_of_work() as uow:  # never committed
        accounts_service.sign_up(
            uow.session,
            email="ana@example.org",
            password_hash=accounts_service.hash_new_password("correct horse battery"),
            language="en",
            settings=settings,
            clock=clock,
            mail=mail.make_sender(settings, clock),
        )
    assert _outbox(api.db) == []
    assert mail.deliver_pending(api.db, settings=settings, clock=clock, connect=smtp) == (0, 0)
    assert smtp.sent == []
    assert smtp.connections == 0


def test_failed_deliveries_are_retried_a_bounded_number_of_times(
    api: Api, smtp: FakeSmtp, settings: Settings, clock: FrozenClock
) -> None:
    r = api.client.post(
        "/api/v1/accounts", json={"email": "ana@example.org", "password": "correct horse battery"}
    )
    assert r.status_code == 201
    smtp.fail = True
    for _ in range(mail.MAX_ATTEMPTS):
        assert mail.deliver_pending(api.db, settings=settings, clock=clock, connect=smtp) == (0, 1)
    assert mail.deliver_pending(api.db, settings=settings, clock=clock, connect=smtp) == (0, 0)
    (given_up,) = _outbox(api.db)
    assert given_up.attempts == mail.MAX_ATTEMPTS
    assert given_up.sent_at is None
