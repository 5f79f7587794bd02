"""Every state change writes its notice in its own transaction, once, in the person's language."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from puerta.accounts import mail
from puerta.accounts.models import OutboxMessage, User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.liveness import LocalLivenessProvider
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.draw import service as draw_service
from puerta.draw.models import Selection
from puerta.errors import InvalidTransition, NoOfferWaiting, OfferExpired
from puerta.i18n import render
from puerta.journey.withdraw import withdraw
from puerta.notify import service as notify
from puerta.notify.messages import FREE, Kind
from puerta.registration.models import Registration
from tests.draw.world import POOL_DAY, ask
from tests.notify.world import (
    draw,
    outbox,
    registered,
    rolled_back,
    selection_of,
    tagged,  # noqa: F401 - a fixture
)


class FakeSmtp:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def __call__(self, _settings: Settings) -> FakeSmtp:
        return self

    def __enter__(self) -> FakeSmtp:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send_message(self, msg: EmailMessage) -> None:
        self.sent.append(msg)


def _owner_email(db: Database, rid: str) -> str:
    with db.session() as s:
        reg = s.get(Registration, rid)
        assert reg is not None
        return s.get(User, reg.owner_id).email  # type: ignore[union-attr]


def _confirm(db: Database, settings: Settings, clock: FrozenClock, rid: str) -> str:
    """Confirm ``rid``'s offer with a live photo; the appointment's code."""
    with db.session() as s:
        selection = s.scalars(select(Selection).where(Selection.registration_id == rid)).one()
        appointment = confirmation_service.confirm(
            s,
            selection=selection,
            live_photo=synthetic_portrait(7000 + selection.id),
            latitude=32.51,
            longitude=-117.03,
            provider=LocalLivenessProvider(settings.photo_max_bytes),
            settings=settings,
            clock=clock,
        )
        return appointment.code


def _registration(db: Database, rid: str) -> Registration:
    with db.session() as s:
        reg = s.get(Registration, rid)
        assert reg is not None
        s.expunge(reg)
        return reg


# --- selected: the draw -------------------------------------------------------------------


@pytest.mark.usefixtures("tagged")
def test_the_draw_tells_each_selected_once_in_their_language(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rids = {
        "es": registered(db, settings, clock, language="es"),
        "pt_BR": registered(db, settings, clock, language="pt-BR"),
        "en": registered(db, settings, clock, language="en"),
    }
    draw(db, settings, clock, list(rids.values()))
    rows = outbox(db, kind="selected")
    assert len(rows) == 3
    for locale, rid in rids.items():
        (row,) = [r for r in rows if r.to_address == _owner_email(db, rid)]
        selection = selection_of(db, rid)
        assert row.selection_id == selection.id
        assert row.channel == "email"
        assert row.backend == "outbox"
        tag = "" if locale == "en" else f"[{locale}] "
        assert row.subject == f"{tag}Puerta: you were chosen for an appointment"
        assert row.body.startswith(f"{tag}You were chosen for an appointment at San Ysidro")
        assert row.body.endswith(f"{tag}{FREE.text}")
        # The deadline, in San Ysidro's time: 23 hours after the draw (16:05 UTC).
        assert selection.deadline == clock.now() + timedelta(hours=settings.confirm_hours)
        if locale == "en":
            assert "by 7:05\u202fAM on Mar 5, 2026 (time at San Ysidro)" in row.body


def test_a_draw_that_rolls_back_announces_nothing(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registered(db, settings, clock)
    ask(db, settings, clock, rid)
    clock.advance(hours=1, minutes=5)
    with rolled_back(db) as s:
        draw_service.run_draw(s, pool_date=POOL_DAY, settings=settings, clock=clock)
        assert len(outbox(db, kind="selected")) == 1  # written in the draw's transaction
    assert outbox(db, kind="selected") == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Selection)) == 0


def test_the_baseline_draw_tells_the_selected_too(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.draw_algorithm = "oig-baseline"
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])
    (row,) = outbox(db, kind="selected")
    assert row.selection_id == selection_of(db, rid).id


def test_telling_the_selected_again_writes_nothing_twice(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rids = [registered(db, settings, clock) for _ in range(3)]
    draw(db, settings, clock, rids)
    with db.session() as s:
        offers = list(s.scalars(select(Selection)))
        draw_service.tell_selected(s, offers, settings=settings, clock=clock)
    assert len(outbox(db, kind="selected")) == 3


# --- confirmed, cancelled, declined, withdrawn ----------------------------------------------


@pytest.mark.usefixtures("tagged")
def test_confirming_tells_the_code_once(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registered(db, settings, clock, language="uk")
    draw(db, settings, clock, [rid])
    code = _confirm(db, settings, clock, rid)
    (row,) = outbox(db, kind="confirmed")
    assert row.to_address == _owner_email(db, rid)
    assert row.selection_id == selection_of(db, rid).id
    assert row.subject == "[uk] Puerta: your appointment is confirmed"
    assert f"Your code is {code}." in row.body
    assert row.body.endswith(f"[uk] {FREE.text}")


def test_a_confirmation_that_rolls_back_announces_nothing(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])
    with rolled_back(db) as s:
        selection = s.scalars(select(Selection)).one()
        confirmation_service.confirm(
            s,
            selection=selection,
            live_photo=synthetic_portrait(7000 + selection.id),
            latitude=32.51,
            longitude=-117.03,
            provider=LocalLivenessProvider(settings.photo_max_bytes),
            settings=settings,
            clock=clock,
        )
    assert outbox(db, kind="confirmed") == []
    assert selection_of(db, rid).status == "offered"


def test_cancelling_tells_once_and_withdraws_the_unsent_confirmation(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.mail_backend = "smtp"
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])
    _confirm(db, settings, clock, rid)
    with db.session() as s:
        appointment = confirmation_service.booked_appointment(s, _registration(db, rid))
        confirmation_service.cancel(s, appointment=appointment, settings=settings, clock=clock)
    (cancelled,) = outbox(db, kind="cancelled")
    assert "Your appointment at San Ysidro on Mar 18, 2026 is cancelled" in cancelled.body
    (confirmed,) = outbox(db, kind="confirmed")
    assert confirmed.superseded_at == clock.now()
    assert "code" not in confirmed.body
    smtp = FakeSmtp()
    assert mail.deliver_pending(db, settings=settings, clock=clock, connect=smtp) == (1, 0)
    assert [m["Subject"] for m in smtp.sent] == ["Puerta: your appointment is cancelled"]


def test_declining_tells_once(db: Database, settings: Settings, clock: FrozenClock) -> None:
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])
    with db.session() as s:
        selection = s.scalars(select(Selection)).one()
        confirmation_service.decline(s, selection=selection, settings=settings, clock=clock)
    (row,) = outbox(db, kind="cancelled")
    assert row.subject == "Puerta: your appointment offer is cancelled"
    assert row.selection_id == selection_of(db, rid).id


def test_withdrawing_tells_of_the_offer_and_of_the_appointment(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    offered, booked = registered(db, settings, clock), registered(db, settings, clock)
    draw(db, settings, clock, [offered, booked])
    _confirm(db, settings, clock, booked)
    for rid in (offered, booked):
        with db.session() as s:
            reg = s.get(Registration, rid)
            assert reg is not None
            withdraw(s, registration=reg, settings=settings, clock=clock)
    rows = {r.to_address: r.subject for r in outbox(db, kind="cancelled")}
    assert rows == {
        _owner_email(db, offered): "Puerta: your appointment offer is cancelled",
        _owner_email(db, booked): "Puerta: your appointment is cancelled",
    }


# --- expired -------------------------------------------------------------------------------


def test_expiry_tells_once_however_often_the_job_runs(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rids = [registered(db, settings, clock) for _ in range(2)]
    draw(db, settings, clock, rids)
    clock.advance(hours=settings.confirm_hours, seconds=1)
    for _ in range(2):
        with db.session() as s:
            confirmation_service.expire_overdue(s, settings=settings, clock=clock)
    rows = outbox(db, kind="expired")
    assert sorted(r.to_address for r in rows) == sorted(_owner_email(db, r) for r in rids)
    assert all("was not confirmed in time" in r.body for r in rows)


def test_an_offer_found_expired_when_used_is_told_and_the_refusal_keeps_it(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])
    clock.advance(hours=settings.confirm_hours, seconds=1)

    def extend() -> None:
        with db.session() as s:  # the unit of work ends with the refusal
            selection = s.scalars(select(Selection)).one()
            confirmation_service.extend(s, selection=selection, settings=settings, clock=clock)

    with pytest.raises(OfferExpired):
        extend()
    (row,) = outbox(db, kind="expired")
    assert row.selection_id == selection_of(db, rid).id


def test_an_expired_offer_never_gets_selected_or_confirmed_afterwards(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.mail_backend = "smtp"
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])  # its "selected" mail is not sent yet
    clock.advance(hours=settings.confirm_hours, seconds=1)
    with db.session() as s:
        confirmation_service.expire_overdue(s, settings=settings, clock=clock)
    with pytest.raises(NoOfferWaiting), db.session() as s:
        confirmation_service.current_offer(s, _registration(db, rid))
    passed = LocalLivenessProvider(settings.photo_max_bytes).check(
        synthetic_portrait(7001), seen_before=lambda _d: False
    )
    with db.session() as s:  # confirming it anyway
        selection = s.scalars(select(Selection)).one()
        with pytest.raises(InvalidTransition):
            confirmation_service.book_checked(
                s,
                selection=selection,
                result=passed,
                latitude=32.51,
                longitude=-117.03,
                settings=settings,
                clock=clock,
            )
    with db.session() as s:  # a draw's notices written again, as a re-run would
        draw_service.tell_selected(
            s, list(s.scalars(select(Selection))), settings=settings, clock=clock
        )
    smtp = FakeSmtp()
    assert mail.deliver_pending(db, settings=settings, clock=clock, connect=smtp) == (1, 0)
    assert [m["Subject"] for m in smtp.sent] == ["Puerta: your appointment offer has ended"]
    assert outbox(db, kind="confirmed") == []
    (selected,) = outbox(db, kind="selected")
    assert selected.superseded_at is not None
    assert selected.sent_at is None
    assert selected.body == notify.SUPERSEDED_BODY


# --- deadline near: the periodic job --------------------------------------------------------


def _remind(db: Database, settings: Settings, clock: FrozenClock) -> int:
    with db.session() as s:
        return confirmation_service.remind_deadlines(s, settings=settings, clock=clock)


@pytest.mark.usefixtures("tagged")
def test_deadline_near_is_told_once_per_selection(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    waiting = registered(db, settings, clock, language="ar")
    confirmed = registered(db, settings, clock)
    draw(db, settings, clock, [waiting, confirmed])
    _confirm(db, settings, clock, confirmed)
    lead = timedelta(hours=settings.notify_deadline_hours)
    deadline = selection_of(db, waiting).deadline
    clock.set(deadline - lead - timedelta(minutes=1))
    assert _remind(db, settings, clock) == 0
    clock.advance(minutes=2)
    assert _remind(db, settings, clock) == 1
    for _ in range(3):
        clock.advance(minutes=20)
        assert _remind(db, settings, clock) == 0
    (row,) = outbox(db, kind="deadline")
    assert row.to_address == _owner_email(db, waiting)
    assert row.subject == "[ar] Puerta: confirm your appointment soon"
    assert row.body.endswith(f"[ar] {FREE.text}")


def test_an_extended_offer_is_reminded_before_its_new_deadline(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])
    with db.session() as s:
        selection = s.scalars(select(Selection)).one()
        confirmation_service.extend(s, selection=selection, settings=settings, clock=clock)
    first = clock.now() + timedelta(hours=settings.confirm_hours)
    clock.set(first - timedelta(hours=1))
    assert _remind(db, settings, clock) == 0  # the old deadline is no longer the one
    clock.set(selection_of(db, rid).deadline - timedelta(hours=1))
    assert _remind(db, settings, clock) == 1
    assert "by 6:05\u202fAM on Mar 6, 2026" in outbox(db, kind="deadline")[0].body


def test_no_reminder_when_turned_off_or_when_the_offer_ended(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])
    clock.set(selection_of(db, rid).deadline - timedelta(hours=1))
    settings.notify_deadline_hours = 0
    assert _remind(db, settings, clock) == 0
    settings.notify_deadline_hours = 3
    with db.session() as s:
        selection = s.scalars(select(Selection)).one()
        confirmation_service.decline(s, selection=selection, settings=settings, clock=clock)
    assert _remind(db, settings, clock) == 0
    assert outbox(db, kind="deadline") == []


def test_an_offer_made_with_less_time_than_the_lead_is_not_reminded(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.confirm_hours = 2  # less than the 3 hours' notice: "selected" gave the deadline
    rid = registered(db, settings, clock)
    draw(db, settings, clock, [rid])
    assert _remind(db, settings, clock) == 0
    assert len(outbox(db, kind="selected")) == 1


# --- every notice -------------------------------------------------------------------------


@pytest.mark.usefixtures("tagged")
def test_every_kind_written_says_puerta_is_free_in_the_persons_language(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rids = [registered(db, settings, clock, language="ht") for _ in range(3)]
    draw(db, settings, clock, rids)
    _confirm(db, settings, clock, rids[0])
    with db.session() as s:
        appointment = confirmation_service.booked_appointment(s, _registration(db, rids[0]))
        confirmation_service.cancel(s, appointment=appointment, settings=settings, clock=clock)
    clock.set(selection_of(db, rids[1]).deadline - timedelta(hours=1))
    _remind(db, settings, clock)
    clock.advance(hours=2)
    with db.session() as s:
        confirmation_service.expire_overdue(s, settings=settings, clock=clock)
    rows = [r for r in outbox(db) if r.kind is not None]
    assert {r.kind for r in rows} == {k.value for k in Kind}
    free = render(FREE, locale="ht")
    assert free == f"[ht] {FREE.text}"
    assert all(r.body.endswith(free) for r in rows)


def test_messages_say_nothing_an_eavesdropper_should_read(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registered(db, settings, clock, phone="+526641234567")
    settings.sms_backend = "outbox"
    draw(db, settings, clock, [rid])
    _confirm(db, settings, clock, rid)
    with db.session() as s:
        traveler = s.get(Registration, rid).travelers[0]  # type: ignore[union-attr]
        private = [rid, traveler.given_names, traveler.family_names, traveler.address_line1]
    rows = [r for r in outbox(db) if r.kind is not None]
    assert {(r.kind, r.channel) for r in rows} == {
        (kind, channel) for kind in ("selected", "confirmed") for channel in ("email", "sms")
    }
    for row in rows:
        assert not any(p in row.body or p in row.subject for p in private)


def test_a_registration_of_a_removed_account_is_skipped(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    """A notice for a registration that has no contact writes nothing (and fails nothing)."""
    with db.session() as s:
        written = notify.send(
            s,
            [notify.Notice("R-NOT-THERE", None, Kind.CANCELLED, "SYS", POOL_DAY)],
            settings=settings,
            clock=clock,
        )
    assert written == 0
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
