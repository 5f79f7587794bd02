"""A drawn world whose owners chose their languages, and a catalog that marks its language.

The catalogs have no translation of the notices yet (the coordinator has them
translated after merging), so ``tagged`` stands in one for every catalog: each
``notify.*`` message comes back as ``[<locale>] <English>``, which tells which language
a notice was rendered in; everything else is the real catalog's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from puerta.accounts.models import OutboxMessage, User
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.draw import service as draw_service
from puerta.draw.models import Selection
from puerta.i18n import translate
from puerta.registration.models import Registration
from tests.draw.world import POOL_DAY, ask, person, registration

PHONE = "+526641234567"


class _Tagged:
    def __init__(self, locale: str, real: Any) -> None:
        self.locale, self.real = locale, real

    def pgettext(self, context: str, text: str) -> str:
        if context.startswith("notify.") and self.locale != "en":
            return f"[{self.locale}] {text}"
        return self.real.pgettext(context, text)


@pytest.fixture
def tagged(monkeypatch: pytest.MonkeyPatch) -> None:
    real = translate.catalog
    monkeypatch.setattr(translate, "catalog", lambda locale: _Tagged(locale, real(locale)))


def registered(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    *,
    language: str = "en",
    phone: str | None = None,
    size: int = 1,
) -> str:
    """A complete registration whose owner chose ``language`` (BCP 47, as sign-up keeps
    it), its first traveler with ``phone``; its id."""
    n = registered.count = getattr(registered, "count", 0) + 1  # type: ignore[attr-defined]
    travelers = [
        person(f"Notice {n} {i}", "Ejemplo", date(1980 + n % 20, 1 + i, 1 + n % 27))
        for i in range(size)
    ]
    if phone is not None:
        travelers[0] = travelers[0].model_copy(update={"phone": phone})
    rid = registration(db, settings, clock, travelers)
    with db.session() as s:
        reg = s.get(Registration, rid)
        assert reg is not None
        owner = s.get(User, reg.owner_id)
        assert owner is not None
        owner.language = language
    return rid


def draw(db: Database, settings: Settings, clock: FrozenClock, rids: list[str]) -> None:
    """Each registration asks for SYS in today's window; the window closes; the draw."""
    for rid in rids:
        ask(db, settings, clock, rid)
    clock.advance(hours=1, minutes=5)
    with db.session() as s:
        draw_service.run_draw(s, pool_date=POOL_DAY, settings=settings, clock=clock)


def outbox(db: Database, **where: Any) -> list[OutboxMessage]:
    """The outbox's rows (``kind="selected"``, ``channel="sms"``...), oldest first."""
    with db.session() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        rows = list(s.scalars(query))
        s.expunge_all()
        return rows


def selection_of(db: Database, rid: str) -> Selection:
    with db.session() as s:
        found = s.scalars(select(Selection).where(Selection.registration_id == rid)).one()
        s.expunge(found)
        return found


@contextmanager
def rolled_back(db: Database) -> Iterator[Any]:
    """A unit of work that fails after its block: nothing it wrote lasts."""

    class Boom(Exception):
        pass

    try:
        with db.session() as s:
            yield s
            raise Boom
    except Boom:
        pass
