"""The unit of work: nothing lasts uncommitted; refusals that keep their work commit it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from puerta.accounts.models import OutboxMessage
from puerta.db import Database
from puerta.errors import LIVENESS_REASONS, LivenessFailed, OfferExpired, RegistrationNotFound

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def _note(session, text: str) -> None:  # type: ignore[no-untyped-def]
    session.add(OutboxMessage(to_address="t@example.org", subject=text, body="", created_at=NOW))
    session.flush()


def _subjects(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)))


def test_work_not_committed_is_rolled_back(db: Database) -> None:
    with db.unit_of_work() as uow:
        _note(uow.session, "forgotten")
    with db.unit_of_work() as uow:
        _note(uow.session, "kept")
        uow.commit()
    assert _subjects(db) == ["kept"]


def test_an_ordinary_error_rolls_everything_back(db: Database) -> None:
    def attempt() -> None:
        with db.session() as s:
            _note(s, "half-written")
            raise RegistrationNotFound()

    with pytest.raises(RegistrationNotFound):
        attempt()
    assert _subjects(db) == []


@pytest.mark.parametrize(
    "refusal",
    [
        OfferExpired(),
        LivenessFailed(reason=LIVENESS_REASONS["liveness.replayed"], field="live_photo"),
    ],
    ids=["offer-expired", "liveness-failed"],
)
def test_a_refusal_that_keeps_its_work_commits_it(db: Database, refusal: Exception) -> None:
    def attempt() -> None:
        with db.session() as s:
            _note(s, "attempt recorded")
            raise refusal

    with pytest.raises(type(refusal)):
        attempt()
    assert _subjects(db) == ["attempt recorded"]
