"""The CLI on a fresh SQLite file: schema, staff, demo, draw, outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puerta.cli.main import app
from puerta.config import get_settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PUERTA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PUERTA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def test_upgrade_then_staff_and_errors(data_dir: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    assert (data_dir / "puerta.sqlite3").exists()
    ok = invoke(
        "staff",
        "create",
        "--email",
        "o@sys.example",
        "--role",
        "officer",
        "--port",
        "SYS",
        "--password",
        "officer pass 1",
    )
    assert ok.exit_code == 0, ok.output
    assert "officer o@sys.example at SYS" in ok.output
    dup = invoke(
        "staff",
        "create",
        "--email",
        "o@sys.example",
        "--role",
        "officer",
        "--port",
        "SYS",
        "--password",
        "officer pass 1",
    )
    assert dup.exit_code == 1
    assert "already exists" in dup.output
    no_port = invoke(
        "staff",
        "create",
        "--email",
        "p@x.example",
        "--role",
        "officer",
        "--password",
        "officer pass 1",
    )
    assert no_port.exit_code == 1
    assert "--port" in no_port.output
    bad_role = invoke(
        "staff",
        "create",
        "--email",
        "p@x.example",
        "--role",
        "king",
        "--password",
        "officer pass 1",
    )
    assert bad_role.exit_code == 2


@pytest.mark.usefixtures("data_dir")
def test_demo_is_idempotent_and_draw_is_final() -> None:
    assert invoke("db", "upgrade").exit_code == 0
    first = invoke("demo", "load")
    assert first.exit_code == 0, first.output
    assert "demo data loaded" in first.output
    assert "officer SYS" in first.output
    again = invoke("demo", "load")
    assert "already present" in again.output
    # The demo drew yesterday's pool: drawing it again is refused.
    day = next(
        line.split()[-1] for line in first.output.splitlines() if "appointments booked" in line
    )
    from datetime import date, timedelta

    pool_day = date.fromisoformat(day) - timedelta(days=get_settings().appointment_lead_days)
    redo = invoke("draw", "run", "--date", pool_day.isoformat())
    assert redo.exit_code == 1
    assert "already run" in redo.output
    future = invoke("draw", "run", "--date", "2999-01-01")
    assert future.exit_code == 1
    assert "open until" in future.output
    assert invoke("draw", "expire").exit_code == 0
    remind = invoke("draw", "remind")
    assert remind.exit_code == 0, remind.output
    assert "reminded" in remind.output
    # The demo's draw and confirmations told their people, by the outbox.
    listed = invoke("outbox", "--last", "3")
    assert listed.exit_code == 0
    assert "Puerta: your appointment is confirmed" in listed.output
    assert "Puerta is free and never asks for money" in listed.output


@pytest.mark.usefixtures("data_dir")
def test_demo_draw_is_refused_on_a_store_that_is_not_a_demo() -> None:
    assert invoke("db", "upgrade").exit_code == 0
    refused = invoke("demo", "draw")
    assert refused.exit_code == 1
    assert "not a demo store" in refused.output
