"""The channels: email always, SMS beside it (kept in the outbox, or sent by a plugged gateway),
and the delivery worker that sends after commit."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from pydantic import ValidationError

from puerta.accounts import mail
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.notify import channels
from puerta.web import scheduler
from tests.api_support import Api
from tests.notify.test_service import FakeSmtp
from tests.notify.world import PHONE, draw, outbox, registered, selection_of


class RecordingGateway:
    """An SMS provider's client as an operator would plug one in; fails when told to."""

    instances: list[RecordingGateway] = []  # noqa: RUF012 - the factory's products

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failing = False
        RecordingGateway.instances.append(self)

    def send(self, to: str, text: str) -> None:
        if self.failing:
            raise ConnectionError(f"provider refused {to}")  # names the number: never logged
        self.sent.append((to, text))


def make_gateway() -> RecordingGateway:
    """The factory ``sms_gateway`` names."""
    return RecordingGateway()


GATEWAY = f"{__name__}:make_gateway"


def test_sms_kept_in_the_outbox_beside_the_email(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.sms_backend = "outbox"
    with_phone = registered(db, settings, clock, phone=PHONE)
    without = registered(db, settings, clock)
    draw(db, settings, clock, [with_phone, without])
    sms = outbox(db, kind="selected", channel="sms")
    assert [(m.to_address, m.backend, m.selection_id) for m in sms] == [
        (PHONE, "outbox", selection_of(db, with_phone).id)
    ]
    emails = outbox(db, kind="selected", channel="email")
    assert len(emails) == 2
    (same,) = [m for m in emails if m.selection_id == sms[0].selection_id]
    assert sms[0].body == same.body  # one text, both channels
    assert "never asks for money" in sms[0].body


def test_sms_off_by_default_writes_only_email(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    assert settings.sms_backend == "off"
    draw(db, settings, clock, [registered(db, settings, clock, phone=PHONE)])
    assert [m.channel for m in outbox(db, kind="selected")] == ["email"]


def test_the_first_traveler_with_a_phone_is_the_number(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    from sqlalchemy import select

    from puerta.registration.models import Traveler

    settings.sms_backend = "outbox"
    rid = registered(db, settings, clock, size=3)
    with db.session() as s:
        travelers = list(
            s.scalars(
                select(Traveler).where(Traveler.registration_id == rid).order_by(Traveler.position)
            )
        )
        travelers[1].phone, travelers[2].phone = "+15125550101", "+15125550102"
    draw(db, settings, clock, [rid])
    (sms,) = outbox(db, channel="sms")
    assert sms.to_address == "+15125550101"


def test_the_gateway_sends_after_commit_at_least_once(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.sms_backend, settings.sms_gateway = "gateway", GATEWAY
    rid = registered(db, settings, clock, phone=PHONE)
    draw(db, settings, clock, [rid])
    (pending,) = outbox(db, channel="sms")
    assert pending.backend == "sms"
    assert pending.sent_at is None

    gateway = RecordingGateway()
    gateway.failing = True
    assert channels.deliver_pending_sms(db, settings=settings, clock=clock, gateway=gateway) == (
        0,
        1,
    )
    (retry,) = outbox(db, channel="sms")
    assert retry.attempts == 1
    assert retry.sent_at is None

    gateway.failing = False
    clock.advance(minutes=1)
    assert channels.deliver_pending_sms(db, settings=settings, clock=clock, gateway=gateway) == (
        1,
        0,
    )
    ((to, text),) = gateway.sent
    assert to == PHONE
    assert text.startswith("You were chosen for an appointment at San Ysidro")
    (sent,) = outbox(db, channel="sms")
    assert sent.sent_at == clock.now()
    assert sent.body == mail.SENT_BODY  # what it said is not kept
    assert channels.deliver_pending_sms(db, settings=settings, clock=clock, gateway=gateway) == (
        0,
        0,
    )
    # The SMTP job never takes the SMS, and the email is left to it.
    assert [m.backend for m in outbox(db, channel="email")] == ["outbox"]


def test_a_gateway_failure_logs_no_number(
    db: Database, settings: Settings, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings.sms_backend, settings.sms_gateway = "gateway", GATEWAY
    draw(db, settings, clock, [registered(db, settings, clock, phone=PHONE)])
    gateway = RecordingGateway()
    gateway.failing = True
    channels.deliver_pending_sms(db, settings=settings, clock=clock, gateway=gateway)
    assert "ConnectionError" in caplog.text
    assert PHONE not in caplog.text


def test_the_gateway_is_plugged_by_its_module_and_factory() -> None:
    channels.load_gateway.cache_clear()
    gateway = channels.load_gateway(GATEWAY)
    assert isinstance(gateway, RecordingGateway)
    assert channels.load_gateway(GATEWAY) is gateway  # built once per process


def test_a_gateway_backend_needs_a_gateway() -> None:
    with pytest.raises(ValidationError, match="sms_gateway"):
        Settings(_env_file=None, sms_backend="gateway")  # type: ignore[call-arg]
    assert Settings(_env_file=None, sms_backend="gateway", sms_gateway=GATEWAY)  # type: ignore[call-arg]


def test_channels_follow_the_settings(settings: Settings) -> None:
    assert [(c.name, c.backend) for c in channels.channels_for(settings)] == [("email", "outbox")]
    settings.mail_backend, settings.sms_backend = "smtp", "gateway"
    assert [(c.name, c.backend) for c in channels.channels_for(settings)] == [
        ("email", "smtp"),
        ("sms", "sms"),
    ]


# --- the worker: the scheduler's pass --------------------------------------------------------


def test_the_scheduler_reminds_and_delivers(
    api: Api,
    settings: Settings,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One pass writes the "deadline near" notices; the next pass sends them, by email and
    by SMS; a third sends nothing more."""
    db = api.db
    settings.mail_backend, settings.sms_backend, settings.sms_gateway = "smtp", "gateway", GATEWAY
    smtp = FakeSmtp()
    monkeypatch.setattr(smtplib, "SMTP", lambda *_a, **_k: smtp)
    RecordingGateway.instances.clear()
    channels.load_gateway.cache_clear()
    rid = registered(db, settings, clock, phone=PHONE)
    draw(db, settings, clock, [rid])
    app = api.client.app
    first = scheduler.run_once(app)  # type: ignore[arg-type]
    assert "mail: 1 sent, 0 to retry" in first  # "selected", written by the draw
    assert "sms: 1 sent, 0 to retry" in first
    clock.set(selection_of(db, rid).deadline - timedelta(hours=1))
    assert "reminded 1 offers of their deadline" in scheduler.run_once(app)  # type: ignore[arg-type]
    second = scheduler.run_once(app)  # type: ignore[arg-type]
    assert "mail: 1 sent, 0 to retry" in second
    assert "sms: 1 sent, 0 to retry" in second
    assert not any(line.startswith(("mail", "sms")) for line in scheduler.run_once(app))  # type: ignore[arg-type]
    assert [m["Subject"] for m in smtp.sent] == [
        "Puerta: you were chosen for an appointment",
        "Puerta: confirm your appointment soon",
    ]
    (gateway,) = RecordingGateway.instances
    assert [to for to, _ in gateway.sent] == [PHONE, PHONE]
    clock.advance(hours=2)
    assert "expired 1 offers" in scheduler.run_once(app)  # type: ignore[arg-type]
    assert len(outbox(db, kind="expired")) == 2  # email and SMS
