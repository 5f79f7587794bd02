"""``puerta vetting run`` on a fresh SQLite file holding the demo world."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from puerta.config import get_settings
from puerta.db import Database
from tests.cli.test_commands import data_dir, invoke  # noqa: F401  (the fixture)
from tests.vetting import synthetic


@pytest.mark.usefixtures("data_dir")
def test_vetting_run_checks_every_upcoming_traveler_and_prints_counts(tmp_path: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("demo", "load", "--no-population").exit_code == 0
    db = Database(get_settings().effective_database_url)
    with db.engine.connect() as conn:
        booked = conn.execute(
            sa.text(
                "SELECT t.given_names, t.family_names, t.date_of_birth FROM travelers t "
                "JOIN appointments a ON a.registration_id = t.registration_id "
                "WHERE a.status = 'booked' ORDER BY t.id"
            )
        ).all()
    assert len(booked) >= 2
    given, family, born = booked[0]
    rows = synthetic.watch_list_rows(synthetic.people(10, seed=3))
    rows.append(
        {
            "record_id": "W-DEMO",
            "given_names": given.upper(),
            "family_names": family,
            "date_of_birth": str(born)[:10],
        }
    )
    path = synthetic.write_csv(tmp_path / "lists" / "watch.csv", rows)

    done = invoke("vetting", "run", "--list", str(path))
    assert done.exit_code == 0, done.output
    assert "(11 records)" in done.output
    assert f"{len(booked)} travelers vetted" in done.output
    lines = {line.strip() for line in done.output.splitlines()}
    assert "possible match: 1" in lines, done.output
    assert f"no match: {len(booked) - 1}" in lines
    assert "match: 0" in lines
    with db.engine.connect() as conn:
        actions = conn.execute(
            sa.text("SELECT action, actor_id FROM audit_events ORDER BY id")
        ).all()
        stored = conn.execute(sa.text("SELECT count(*) FROM vetting_results")).scalar()
    db.engine.dispose()
    assert [a for a, _ in actions if a.startswith(("vetting", "watchlist"))] == [
        "watchlist.load",
        "vetting.run",
    ]
    assert stored == len(booked)

    # A bad file: the row and column are named, nothing is vetted, exit 1.
    path.write_text(path.read_text().replace(rows[1]["date_of_birth"], "31/12/1980"))  # type: ignore[arg-type]
    bad = invoke("vetting", "run", "--list", str(path))
    assert bad.exit_code == 1
    assert "Row 3 of the watch list, column date_of_birth: '31/12/1980'" in bad.output
    missing = invoke("vetting", "run")
    assert missing.exit_code == 1
    assert "no watch list" in missing.output
