"""The rush harness (issue 10): its pieces, and one tiny run end to end.

The figures live in BENCHMARKS.md; here the harness only has to work: the
end-to-end run uses 40 applicants, 2-second mixes and a handful of
connections, so the server under test is not pushed into its known stall.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from puerta.bench import rush
from puerta.bench.rush import harness, options, report, store, wrk
from puerta.config import Settings
from tests.conftest import IN_CI, PG_ADMIN_URL, _postgres_reachable

RAW = {
    "duration_us": 2_000_000,
    "requests": 1_000,
    "bytes": 123_456,
    "errors": {"connect": 0, "read": 1, "write": 0, "status": 10, "timeout": 0},
    "latency_us": {
        "min": 900,
        "mean": 5_000,
        "max": 90_000,
        "stdev": 2_000,
        "percentiles": {"50": 4_000, "75": 6_000, "90": 8_000, "99": 40_000, "99.9": 80_000},
        "admitted_p99_bound": 42_000,
        "admitted_quantile": 99.01,
    },
    "statuses": {"200": 900, "201": 90, "503": 10},
    "missing_retry_after": 0,
}


def test_connections_and_mixes_parse() -> None:
    assert options.parse_connections("32") == {
        "bare": 32,
        "request": 32,
        "status": 32,
        "overload": 512,
    }
    assert options.parse_connections("request=8,overload=64")["overload"] == 64
    assert options.parse_mixes("overload,bare") == ["bare", "overload"]
    with pytest.raises(Exception, match="unknown"):
        options.parse_mixes("bare,lunch")


def test_sweep_runs_first_and_only_the_mix_itself_is_judged(tmp_path: Path) -> None:
    args = options.arguments(["--mixes", "status,request,overload", "--sweep", "8,32"])
    plan = harness.Run(args, "wrk", tmp_path).plan()
    assert [(key, conns, judged) for key, _, conns, judged in plan] == [
        ("request@8", 8, False),
        ("request@32", 32, False),
        ("request", 64, True),
        ("status@8", 8, False),
        ("status@32", 32, False),
        ("status", 64, True),
        ("overload", 512, True),
    ]


def test_lua_script_is_filled_in(tmp_path: Path) -> None:
    text = wrk.lua_script(
        mode="request",
        tokens=tmp_path / "t",
        out=tmp_path / "o.json",
        acks=tmp_path / "a",
        threads=2,
        body={"port_code": "SYS", "latitude": 32.5, "longitude": -117.0},
    )
    assert "@" not in text.replace("@%", "")  # no placeholder left
    for fn in (
        "function setup(",
        "function init(",
        "function request(",
        "function response(",
        "function done(",
    ):
        assert fn in text
    assert '"port_code":"SYS"' in text
    with pytest.raises(ValueError, match="quote"):
        wrk.lua_script(
            mode="bare", tokens=Path('/tmp/x"y'), out=tmp_path, acks=tmp_path, threads=1, body={}
        )


def test_result_parsing_counts_2xx_as_goodput() -> None:
    result = wrk.parse_result(RAW, {"R1", "R2"})
    assert result.rps == pytest.approx(500.0)
    assert result.ok == 990
    assert result.goodput == pytest.approx(495.0)
    assert result.latency_ms["p50"] == pytest.approx(4.0)
    assert result.latency_ms["p99.9"] == pytest.approx(80.0)
    assert result.socket_errors == 1
    assert result.as_dict()["acknowledged_registrations"] == 2


def _overload(**changes: object) -> wrk.WrkResult:
    raw = json.loads(json.dumps(RAW))
    raw.update(changes)
    return wrk.parse_result(raw)


PROBED = {"sent": 200, "ok": 120, "p50_ms": 40.0, "p99_ms": 180.0, "statuses": {}}


def test_overload_targets() -> None:
    marks = report.targets(
        "overload", _overload(), peak_goodput=500.0, first_after_s=0.2, probe=PROBED
    )
    assert all(t.passed for t in marks), marks
    unprobed = report.targets("overload", _overload(), peak_goodput=500.0, first_after_s=0.2)
    assert not unprobed[2].passed  # no probe, no admitted p99: not a pass
    few = report.targets(
        "overload", _overload(), peak_goodput=500.0, first_after_s=0.2, probe=PROBED | {"ok": 9}
    )
    assert not few[2].passed
    slow = report.targets(
        "overload",
        _overload(),
        peak_goodput=500.0,
        first_after_s=0.2,
        probe=PROBED | {"p99_ms": 700.0},
    )
    assert not slow[2].passed
    with_500 = _overload(statuses={"200": 990, "500": 10})
    assert not report.targets("overload", with_500, peak_goodput=500.0, first_after_s=0.2)[0].passed
    no_retry = _overload(missing_retry_after=3)
    assert not report.targets("overload", no_retry, peak_goodput=500.0, first_after_s=0.2)[0].passed
    slow_after = report.targets("overload", _overload(), peak_goodput=500.0, first_after_s=None)
    assert not slow_after[-1].passed  # no answer after the load is a failure, not a pass
    no_peak = report.targets("overload", _overload(), peak_goodput=None, first_after_s=0.2)
    assert not no_peak[3].passed
    stalled = report.targets("overload", _overload(), peak_goodput=0.0, first_after_s=0.2)
    assert not stalled[3].passed  # 0 >= 80% of 0 is no goodput


def test_request_targets_need_the_store_check() -> None:
    fast = _overload(duration_us=1_000_000, requests=2_000, statuses={"201": 2_000})
    assert [t.passed for t in report.targets("request", fast, store_ok=True)] == [True] * 3
    assert not report.targets("request", fast, store_ok=False)[2].passed
    hung = wrk.empty_result(10.0, 0, "")
    assert not any(t.passed for t in report.targets("status", hung))


def test_table_shows_each_mix_and_its_marks() -> None:
    result = wrk.parse_result(RAW)
    entry = {
        "connections": 64,
        "wrk": result.as_dict(),
        "ratio_to_bare": 0.5,
        "first_request_after": {"ok": True, "seconds": 0.1},
        "targets": [t.as_dict() for t in report.targets("status", result)],
    }
    text = report.table({"status": entry, "request": {"skipped": "window shut"}})
    assert "FAIL  2xx/s" in text
    assert "PASS  p99 ms" in text
    assert "skipped: window shut" in text


def test_request_check_allows_only_unconfirmed_rows() -> None:
    fine = store.RequestCheck(["2026-12-01"], 10, 8, 0, [], 2, 64)
    assert fine.ok
    assert not store.RequestCheck(["2026-12-01"], 10, 8, 0, ["R9"], 2, 64).ok
    assert not store.RequestCheck(["2026-12-01"], 10, 8, 1, [], 2, 64).ok
    assert not store.RequestCheck(["2026-12-01"], 10, 8, 0, [], 70, 64).ok


def test_travelers_are_valid_and_distinct_persons() -> None:
    import random

    rows = store.traveler_rows(0, 3_000, random.Random(1))
    keys = {(r["given_names"], r["family_names"], r["date_of_birth"]) for r in rows}
    assert len(keys) == 3_000
    assert [r["position"] for r in rows[:3]] == [0, 1, 2]


def test_asking_places_are_eligible_and_small_stores_get_a_smaller_draw() -> None:
    settings = Settings(_env_file=None)
    assert store.check_asks_from(settings) == []
    assert options.small_store_capacity(20_000, settings) is None
    small = options.small_store_capacity(50, settings)
    assert small is not None
    assert small < 50


def test_only_bench_databases_are_dropped() -> None:
    with pytest.raises(ValueError, match="refusing"):
        store.drop_database(PG_ADMIN_URL, "postgres")


@pytest.fixture(scope="module")
def wrk_path() -> str:
    try:
        return wrk.ensure_wrk()
    except RuntimeError as exc:
        if IN_CI:
            pytest.fail(f"CI=true but wrk is missing and cannot be installed: {exc}")
        pytest.skip(f"wrk unavailable: {exc}")


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.usefixtures("wrk_path")  # installs wrk when missing
def test_tiny_rush_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reason = _postgres_reachable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is unreachable at {PG_ADMIN_URL}: {reason}")
        pytest.skip(f"PostgreSQL unreachable ({reason})")
    shut = options.window_open_through(Settings(_env_file=None), 120)
    mixes = "bare,status,overload" if shut else "bare,request,status,overload"
    out = tmp_path / "rush.json"
    code = rush.main(
        [
            "--applicants",
            "40",
            "--duration",
            "2",
            "--connections",
            "4,overload=8",
            "--mixes",
            mixes,
            "--sweep",
            "2",
            "--database-url",
            PG_ADMIN_URL,
            "--recovery-wait",
            "5",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "mix" in printed
    assert "SIGTERM under load" in printed
    results = json.loads(out.read_text())
    assert results["store"]["applicants"] == 40
    assert 0 < results["store"]["selected_registrations"] < 40
    for name in results["mixes"]:
        m = results["mixes"][name]
        assert m["wrk"]["requests"] > 0, m
        assert set(m["wrk"]["statuses"]) <= {"200", "201"}, m["wrk"]["statuses"]
        assert m["first_request_after"]["ok"], m
        assert {t["target"] for t in m["targets"]} or name == "bare" or "@" in name
        assert m["ratio_to_bare"] is not None
    assert results["mixes"]["status@2"]["connections"] == 2
    assert results["mixes"]["status@2"]["targets"] == []  # a sweep point is not judged
    for key in [] if shut else ["request@2", "request"]:
        check = results["mixes"][key]["store_check"]
        assert check["ok"], check
        assert check["registrations_acknowledged_2xx"] > 0
        assert check["registrations_with_two_requests_for_one_pool_date"] == 0
    assert results["sigterm_under_load"]["connections"] == 4
    # The harness dropped its database.
    engine = sa.create_engine(PG_ADMIN_URL)
    with engine.connect() as conn:
        left = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
            {"n": results["store"]["database"]},
        ).all()
    engine.dispose()
    assert left == []


def test_the_probe_times_a_server_and_summarises_its_answers() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from puerta.bench.rush.probe import Probe, percentile

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            code = 200 if "R1" in self.path else 503
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        probe = Probe(
            f"http://127.0.0.1:{server.server_port}", [("R1", "t"), ("R2", "t")], interval=0.01
        )
        probe.start()
        time.sleep(0.3)
        probe.stop()
    finally:
        server.shutdown()
    summary = probe.summary()
    assert summary["sent"] >= 10
    assert set(summary["statuses"]) == {"200", "503"}
    assert summary["ok"] == summary["statuses"]["200"]
    assert 0 < summary["p50_ms"] <= summary["p99_ms"]
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 99) == 4.0
