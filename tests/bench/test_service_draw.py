"""The service-draw benchmark (issue 10): its store builder at 200 requests, and a tiny run.

The figures (1,000,000 requests) live in BENCHMARKS.md; here the harness only
has to work. PostgreSQL is required under CI=true, skipped (saying so) elsewhere.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from puerta.bench import service_draw
from puerta.bench.rush import store as rush_store
from puerta.config import Settings
from puerta.lifecycle import RequestStatus
from tests.conftest import IN_CI, PG_ADMIN_URL, _postgres_reachable


def _need_postgres() -> None:
    reason = _postgres_reachable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is unreachable at {PG_ADMIN_URL}: {reason}")
        pytest.skip(f"PostgreSQL unreachable ({reason})")


def _exists(name: str) -> bool:
    engine = sa.create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).all()
            )
    finally:
        engine.dispose()


def test_the_draw_s_printed_timings_are_read() -> None:
    out = "drew ...\ntimings: load 1.50 s, public ids 0.20 s, offers 3.00 s; total 5.10 s\n"
    steps = service_draw.service_steps(out)
    assert steps == {"load": 1.5, "public ids": 0.2, "offers": 3.0, "total": 5.1}
    assert service_draw.service_steps("drew ...\n") == {}


def test_the_child_s_own_peak_memory_is_measured(tmp_path: Path) -> None:
    """A child of a big process reports its own size, not its parent's."""
    ballast = bytearray(400_000_000)  # this process: 400 MB more than the child
    run = service_draw.run_child(
        [sys.executable, "-c", "x = bytearray(50_000_000); print('ok')"],
        dict(os.environ),
        tmp_path,
        timeout=60,
    )
    assert run.returncode == 0
    assert run.stdout == "ok\n"
    assert 50 < run.max_rss_mb < 300, run.max_rss_mb
    slow = service_draw.run_child(["sleep", "30"], dict(os.environ), tmp_path, timeout=0.5)
    assert slow.timed_out
    assert slow.returncode is None
    assert slow.wall_s < 10
    del ballast


@pytest.mark.postgres
def test_the_store_holds_one_pool_of_requests_committed_before_the_window() -> None:
    _need_postgres()
    name, url = rush_store.create_database(PG_ADMIN_URL)
    try:
        settings = Settings(_env_file=None, database_url=url, secret_key="test")  # type: ignore[call-arg]
        pool = service_draw.build(url, requests=200, settings=settings)
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                one = lambda sql: conn.execute(sa.text(sql)).scalar_one()  # noqa: E731
                assert one("SELECT count(*) FROM appointment_requests") == 200
                assert one("SELECT count(DISTINCT pool_date) FROM appointment_requests") == 1
                assert one("SELECT count(*) FROM registrations WHERE status = 'active'") == 200
                assert one("SELECT count(*) FROM users") == 200
                assert one("SELECT count(*) FROM travelers") == pool.travelers
                assert pool.travelers > 200  # families
                assert one("SELECT count(*) FROM findings") == pool.findings
                assert pool.findings > 0  # households asking more than once
                assert one("SELECT count(*) FROM draw_deferrals") == pool.deferrals == 1
                assert (
                    one("SELECT count(*) FROM appointment_requests WHERE status = 'pooled'") == 200
                )
                assert one("SELECT bool_and(committed_at < window_opens_at) FROM draw_commitments")
                ports = set(
                    conn.execute(sa.text("SELECT port_code FROM appointment_requests")).scalars()
                )
                assert ports <= set(settings.port_shares)
                # A person seen twice is one finding's travelers, in two registrations.
                assert (
                    one(
                        "SELECT min(n) FROM (SELECT count(DISTINCT registration_id) AS n "
                        "FROM finding_travelers GROUP BY finding_id) x"
                    )
                    >= 2
                )
                # The serials continue after the bulk-loaded ids.
                assert one("SELECT nextval(pg_get_serial_sequence('travelers', 'id'))") > (
                    pool.travelers
                )
        finally:
            engine.dispose()
        assert int(pool.rows.sum()) == pool.travelers
        assert len(pool.first_row) == pool.requests == 200
    finally:
        rush_store.drop_database(PG_ADMIN_URL, name)
    assert not _exists(name)


@pytest.mark.postgres
def test_a_tiny_service_draw_runs_checks_and_drops_its_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _need_postgres()
    out = tmp_path / "draw.json"
    code = service_draw.main(
        ["--requests", "200", "--database-url", PG_ADMIN_URL, "--out", str(out), "--timeout", "120"]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "PASS  wall < 2 min" in printed
    results = json.loads(out.read_text())
    assert results["check"]["ok"], results["check"]
    assert results["draw"]["returncode"] == 0
    assert {"load", "publish", "draw", "offers"} <= set(results["draw"]["steps_s"])
    statuses = results["check"]["requests_by_status"]
    assert statuses[RequestStatus.SELECTED.value] == results["check"]["selections"]
    assert sum(statuses.values()) == 200
    assert not _exists(results["database"])
