"""`puerta draw commit / publish / verify` against the demo's real draw, and tampering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from puerta.cli.main import app
from puerta.config import get_settings

runner = CliRunner()


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A demo world on a fresh SQLite file; yields the demo's drawn pool date."""
    monkeypatch.setenv("PUERTA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PUERTA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    loaded = runner.invoke(app, ["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    day = next(x.split()[-1] for x in loaded.output.splitlines() if "appointments booked" in x)
    lead = get_settings().appointment_lead_days
    yield (date.fromisoformat(day) - timedelta(days=lead)).isoformat()
    get_settings.cache_clear()


def test_demo_draw_verifies_and_tampering_is_rejected(demo: str, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["draw", "verify", "--date", demo])
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output
    assert "warning" not in ok.output  # the demo committed before its window opened

    out = tmp_path / "published.json"
    assert runner.invoke(app, ["draw", "publish", "--date", demo, "--out", str(out)]).exit_code == 0
    offline = runner.invoke(app, ["draw", "verify", "--file", str(out)])
    assert offline.exit_code == 0, offline.output

    data = json.loads(out.read_text())
    winner = next(iter(data["selected"]))
    data["selected"].pop(winner)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    bad = runner.invoke(app, ["draw", "verify", "--file", str(forged)])
    assert bad.exit_code == 1
    assert "DOES NOT VERIFY" in bad.output
    assert winner in bad.output

    # Someone edits the stored records behind the application's back.
    engine = sa.create_engine(get_settings().effective_database_url)
    with engine.begin() as conn:
        day = {"d": demo}  # the demo commits upcoming pools too: edit the drawn one's
        records = json.loads(
            conn.execute(
                sa.text("SELECT records FROM draw_commitments WHERE pool_date = :d"), day
            ).scalar_one()
        )
        records[0] = records[0][:-1] + ("1" if records[0].endswith("0") else "0")
        conn.execute(
            sa.text("UPDATE draw_commitments SET records = :r WHERE pool_date = :d"),
            {"r": json.dumps(records), **day},
        )
    engine.dispose()
    stored = runner.invoke(app, ["draw", "verify", "--date", demo])
    assert stored.exit_code == 1
    assert "pool root" in stored.output


@pytest.mark.usefixtures("demo")
def test_commit_is_idempotent_and_published_before_the_draw() -> None:
    first = runner.invoke(app, ["draw", "commit", "--date", "2999-01-01"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["draw", "commit", "--date", "2999-01-01"])
    assert again.output == first.output
    shown = runner.invoke(app, ["draw", "publish", "--date", "2999-01-01"])
    assert json.loads(shown.output)["status"] == "committed"
    assert "seed_hex" not in shown.output
    assert runner.invoke(app, ["draw", "verify", "--date", "2999-01-01"]).exit_code == 1
    both = runner.invoke(app, ["draw", "verify"])
    assert both.exit_code == 2
