"""The no-show job: after each port's closing time in its own zone, never before;
idempotent; a late group is checked in as a correction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from puerta.arrivals import checkin
from puerta.arrivals.models import Arrival, ArrivalEvent, TravelerDisposition
from puerta.audit import service as audit_service
from puerta.cli.main import app as cli_app
from puerta.clock import FrozenClock
from puerta.config import Settings, get_settings
from puerta.db import Database
from puerta.errors import CorrectionNeedsReason
from puerta.web import scheduler
from tests.api_support import Api
from tests.arrivals.world import CLOSED, DAY, OPEN, PortDay, book, port_day


@pytest.fixture
def day(db: Database, settings: Settings, clock: FrozenClock) -> PortDay:
    clock.set(OPEN)
    return port_day(db, settings, clock)


def _mark(db: Database, now: datetime, **kw: object) -> int:
    with db.session() as s:
        return checkin.mark_no_shows(s, now=now, **kw)  # type: ignore[arg-type]


def _states(db: Database) -> dict[int, tuple[str, list[str]]]:
    with db.session() as s:
        arrivals = {a.appointment_id: a.status for a in s.scalars(select(Arrival))}
        rows = s.scalars(select(TravelerDisposition).order_by(TravelerDisposition.position))
        travelers: dict[int, list[str]] = {}
        for r in rows:
            travelers.setdefault(r.appointment_id, []).append(r.status)
        return {k: (v, travelers.get(k, [])) for k, v in arrivals.items()}


@pytest.mark.usefixtures("day")
def test_nothing_is_a_no_show_before_the_port_closes(db: Database) -> None:
    assert _mark(db, OPEN) == 0
    assert _mark(db, CLOSED - timedelta(seconds=1)) == 0
    assert _states(db) == {}


def test_after_closing_the_expected_group_and_its_travelers_are_no_shows(
    db: Database, day: PortDay
) -> None:
    assert _mark(db, CLOSED) == 1  # the cancelled appointment is no arrival
    with db.session() as s:
        appointment = day.appointment(s)
        assert _states(db) == {appointment.id: ("no_show", ["no_show", "no_show"])}
        events = list(s.scalars(select(ArrivalEvent).order_by(ArrivalEvent.id)))
        assert [(e.position, e.from_status, e.to_status, e.actor_id) for e in events] == [
            (None, "expected", "no_show", None),
            (0, "pending", "no_show", None),
            (1, "pending", "no_show", None),
        ]
        assert s.get(Arrival, appointment.id).no_show_at == CLOSED  # type: ignore[union-attr]
        (audited,) = audit_service.search(s, action="disposition.record")
    assert (audited.actor_id, audited.subject_kind, audited.subject_id) == (
        None,
        "port_day",
        "SYS:2026-03-04",
    )
    assert audited.detail == {"to": "no_show", "groups": 1, "automatic": True}


@pytest.mark.usefixtures("day")
def test_the_job_is_idempotent(db: Database) -> None:
    assert _mark(db, CLOSED) == 1
    before = _states(db)
    assert _mark(db, CLOSED + timedelta(minutes=1)) == 0
    assert _mark(db, CLOSED + timedelta(days=1)) == 0
    assert _states(db) == before
    with db.session() as s:
        assert len(list(s.scalars(select(ArrivalEvent)))) == 3


def test_an_arrived_group_is_left_alone(db: Database, day: PortDay, clock: FrozenClock) -> None:
    with db.session() as s:
        checkin.check_in(s, appointment=day.appointment(s), officer=day.officer(s), clock=clock)
    assert _mark(db, CLOSED) == 0
    with db.session() as s:
        assert _states(db) == {day.appointment(s).id: ("arrived", ["pending", "pending"])}


def test_each_port_closes_in_its_own_time_zone(
    db: Database, day: PortDay, settings: Settings, clock: FrozenClock
) -> None:
    """19:00 in El Paso (MST) is 02:00 UTC, an hour before San Ysidro's 19:00 (PST)."""
    book(db, settings, clock, code="ELPA000001", port="ELP", travelers=1)
    elp_closed = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    assert _mark(db, elp_closed - timedelta(minutes=1)) == 0
    assert _mark(db, elp_closed) == 1
    with db.session() as s:
        elp = day.appointment(s, "ELPA000001")
        sys = day.appointment(s)
        assert _states(db) == {elp.id: ("no_show", ["no_show"])}
    assert _mark(db, CLOSED) == 1
    assert _states(db)[sys.id][0] == "no_show"


@pytest.mark.usefixtures("day")
def test_one_day_on_demand_and_never_a_day_still_open(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    long_ago = DAY - timedelta(days=30)
    book(db, settings, clock, code="SYSOLD0001", day=long_ago, travelers=1)
    tomorrow = DAY + timedelta(days=1)
    book(db, settings, clock, code="SYSTMR0001", day=tomorrow, travelers=1)
    # Beyond the look-back, a past day is left to an explicit run (a loaded data set).
    assert _mark(db, CLOSED) == 1
    assert _mark(db, CLOSED, day=long_ago) == 1
    assert _mark(db, CLOSED, day=tomorrow) == 0  # not closed yet
    assert _mark(db, CLOSED, day=tomorrow, port_code="ELP") == 0
    assert len(_states(db)) == 2


def test_a_late_group_is_checked_in_as_a_correction(
    db: Database, day: PortDay, clock: FrozenClock
) -> None:
    _mark(db, CLOSED)
    clock.set(CLOSED + timedelta(minutes=10))
    with db.session() as s, pytest.raises(CorrectionNeedsReason):
        checkin.check_in(s, appointment=day.appointment(s), officer=day.officer(s), clock=clock)
    with db.session() as s:
        checkin.check_in(
            s,
            appointment=day.appointment(s),
            officer=day.officer(s),
            clock=clock,
            reason="arrived late: the bridge was closed",
        )
    with db.session() as s:
        process = checkin.process_of(s, day.appointment(s))
        assert process.status == "arrived"
        assert [d.status for d in process.dispositions.values()] == ["pending", "pending"]
        assert process.history[-1].reason == "arrived late: the bridge was closed"
    assert _mark(db, CLOSED + timedelta(hours=1)) == 0


def test_the_scheduler_marks_them_each_pass_once(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    clock.set(OPEN)
    port_day(api.db, settings, clock)
    app = api.client.app
    assert not any("no-show" in line for line in scheduler.run_once(app))  # type: ignore[arg-type]
    clock.set(CLOSED)
    done = scheduler.run_once(app)  # type: ignore[arg-type]
    assert "marked 1 groups no-show after their port's closing time" in done
    assert not any("no-show" in line for line in scheduler.run_once(app))  # type: ignore[arg-type]


def test_the_command_marks_an_older_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUERTA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PUERTA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
        database = Database(get_settings().effective_database_url)
        settings = Settings(data_dir=tmp_path, secret_key="test-secret", _env_file=None)
        old = date(2020, 1, 6)
        book(database, settings, FrozenClock(OPEN), code="SYSOLD0001", day=old, travelers=1)
        database.engine.dispose()
        first = runner.invoke(cli_app, ["arrivals", "no-shows", "--day", old.isoformat()])
        assert first.exit_code == 0, first.output
        assert "1 groups marked no-show" in first.output
        again = runner.invoke(cli_app, ["arrivals", "no-shows", "--day", old.isoformat()])
        assert "0 groups marked no-show" in again.output
    finally:
        get_settings.cache_clear()
