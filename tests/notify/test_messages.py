"""The notices' texts (pure): what each says, in which language and time, and what it never says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from puerta.i18n import render
from puerta.notify.messages import FREE, Facts, Kind, compose, messages_of
from tests.notify.world import tagged  # noqa: F401 - a fixture

SITE = "https://puerta.example"
DEADLINE = datetime(2026, 3, 5, 14, 5, tzinfo=UTC)  # 6:05 AM in San Ysidro (PST)


def _facts(kind: Kind, *, offer_only: bool = False) -> Facts:
    return Facts(
        kind,
        port="San Ysidro",
        zone="America/Los_Angeles",
        day=date(2026, 3, 18),
        deadline=DEADLINE,
        slot=time(9, 45),
        code="K7Q2M9XW4A",
        offer_only=offer_only,
    )


EVERY = [(kind, False) for kind in Kind] + [(Kind.CANCELLED, True)]


@pytest.mark.parametrize(("kind", "offer_only"), EVERY)
def test_every_notice_says_puerta_is_free_and_where(kind: Kind, offer_only: bool) -> None:
    text = compose(_facts(kind, offer_only=offer_only), locale="en", site=SITE)
    assert text.body.endswith(FREE.text)
    assert "never asks for money" in text.body
    assert "San Ysidro" in text.body
    assert "Mar 18, 2026" in text.body
    assert SITE in text.body
    assert text.subject.startswith("Puerta:")


@pytest.mark.parametrize(("kind", "offer_only"), EVERY)
@pytest.mark.usefixtures("tagged")
def test_every_notice_is_in_the_persons_language(kind: Kind, offer_only: bool) -> None:
    text = compose(_facts(kind, offer_only=offer_only), locale="ht", site=SITE)
    subject, body = messages_of(kind, offer_only=offer_only)
    assert text.subject == f"[ht] {subject.text}"
    assert text.body.startswith("[ht] ")
    assert text.body.endswith(render(FREE, locale="ht"))
    assert f"[ht] {FREE.text}" in text.body
    assert body.text.split("{")[0] in text.body


def test_deadline_is_the_ports_local_time() -> None:
    for kind in (Kind.SELECTED, Kind.DEADLINE):
        body = compose(_facts(kind), locale="en", site=SITE).body
        assert "by 6:05\u202fAM on Mar 5, 2026 (time at San Ysidro)" in body


def test_confirmed_gives_the_code_and_the_time_at_the_port() -> None:
    body = compose(_facts(Kind.CONFIRMED), locale="en", site=SITE).body
    assert "Your code is K7Q2M9XW4A" in body
    assert "at 9:45\u202fAM (time at San Ysidro)" in body


def test_only_the_confirmed_notice_gives_the_code() -> None:
    for kind, offer_only in EVERY:
        body = compose(_facts(kind, offer_only=offer_only), locale="en", site=SITE).body
        assert ("K7Q2M9XW4A" in body) == (kind == Kind.CONFIRMED)


def test_spanish_formats_dates_the_spanish_way() -> None:
    body = compose(_facts(Kind.EXPIRED), locale="es", site=SITE).body
    assert "18 mar 2026" in body


def test_a_notice_missing_what_it_must_say_is_refused() -> None:
    facts = Facts(Kind.CONFIRMED, port="SYS", zone="America/Los_Angeles", day=date(2026, 3, 1))
    with pytest.raises(ValueError, match="code"):
        compose(facts, locale="en", site=SITE)
