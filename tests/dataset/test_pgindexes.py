"""Putting indexes and keys back after a first load: every failure is reported, none lost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest

from puerta.dataset import pgindexes


class _FakeEngine:
    """Runs nothing; records each statement and fails the ones in ``failing``."""

    def __init__(self, failing: dict[str, str]) -> None:
        self.failing = failing
        self.ran: list[str] = []

    @contextmanager
    def begin(self) -> Iterator[_FakeEngine]:
        yield self

    def execute(self, statement: Any) -> None:
        sql = str(statement)
        self.ran.append(sql)
        if sql in self.failing:
            raise RuntimeError(self.failing[sql])


def test_every_failed_statement_of_every_chain_is_raised() -> None:
    keys = [
        pgindexes._ForeignKey(
            "travelers", "fk_t", "FOREIGN KEY (registration_id) REFERENCES r(id)"
        ),
        pgindexes._ForeignKey("appointment_requests", "fk_a", "FOREIGN KEY (x) REFERENCES r(id)"),
    ]
    indexes = [
        ("registrations", "ix_r", "CREATE INDEX ix_r ON registrations (a)"),
        ("travelers", "ix_t1", "CREATE INDEX ix_t1 ON travelers (a)"),
        ("travelers", "ix_t2", "CREATE INDEX ix_t2 ON travelers (b)"),
    ]
    failing = {
        'ALTER TABLE "travelers" VALIDATE CONSTRAINT "fk_t"': "orphan traveler",
        "CREATE INDEX ix_t2 ON travelers (b)": "out of disk",  # second failure, same chain
        "CREATE INDEX ix_r ON registrations (a)": "lock timeout",
    }
    engine = _FakeEngine(failing)

    with pytest.raises(ExceptionGroup) as caught:
        pgindexes._restore(SimpleNamespace(engine=engine), keys, indexes, analyze=["travelers"])  # type: ignore[arg-type]

    group = caught.value
    assert sorted(str(e) for e in group.exceptions) == [
        "lock timeout",
        "orphan traveler",
        "out of disk",
    ]
    message = str(group)
    for table, error in [
        ("travelers", "orphan traveler"),
        ("travelers", "out of disk"),
        ("registrations", "lock timeout"),
    ]:
        assert f"{table}: " in message
        assert error in message
    # The failures stopped nothing: every statement ran, in its chain's order.
    assert set(engine.ran) >= set(failing) | {
        'ALTER TABLE "appointment_requests" VALIDATE CONSTRAINT "fk_a"',
        "CREATE INDEX ix_t1 ON travelers (a)",
        'ANALYZE "travelers"',
    }
    travelers = [s for s in engine.ran if "travelers" in s and "ADD CONSTRAINT" not in s]
    assert travelers == [
        'ALTER TABLE "travelers" VALIDATE CONSTRAINT "fk_t"',
        "CREATE INDEX ix_t1 ON travelers (a)",
        "CREATE INDEX ix_t2 ON travelers (b)",
        'ANALYZE "travelers"',
    ]


def test_no_failure_raises_nothing() -> None:
    engine = _FakeEngine({})
    indexes = [("registrations", "ix_r", "CREATE INDEX ix_r ON registrations (a)")]
    pgindexes._restore(SimpleNamespace(engine=engine), [], indexes, analyze=[])  # type: ignore[arg-type]
    assert engine.ran == ["CREATE INDEX ix_r ON registrations (a)"]
