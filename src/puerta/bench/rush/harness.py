"""The rush (issue 10): build a store, serve it as ``puerta serve`` does, drive wrk, check.

Mixes, each one bounded wrk run against one server process:

- ``bare``: ``GET /healthz``, the same server's floor (every ratio is to it);
- ``request``: ``POST /api/v1/registrations/{id}/requests``, a distinct
  registration and bearer token per request, then the store is checked against
  the 2xx the client saw;
- ``status``: the noon status rush after a draw, ``GET .../status`` and
  ``GET .../entry``;
- ``overload``: the status mix at 512 connections.

``--sweep`` runs the request and status mixes at other connection counts
first (figures only; the issue's targets are judged at the mix's own load).

After each mix the harness sends one authenticated request and one
``/healthz`` on fresh connections. When the authenticated request gets no
200 within the probe timeout the server is recorded as hung; the harness
waits (bounded) for it to answer again, and when it does not, stops it
(SIGTERM, then SIGKILL after 10 s) and starts a new one for the next mix.
At the end it sends SIGTERM while the status mix is running, as an operator
stopping a busy server would, and records whether the server exits within
10 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from puerta.bench.rush import report, store, wrk
from puerta.bench.rush.options import (
    MODE,
    SWEPT,
    WHAT,
    arguments,
    load,
    machine,
    small_store_capacity,
    window_open_through,
)
from puerta.bench.rush.probe import Probe
from puerta.bench.rush.server import GRACE_SECONDS, Server, free_port, serve_supports
from puerta.clock import SystemClock
from puerta.config import Settings


def write_tokens(path: Path, applicants: list[store.Applicant]) -> Path:
    path.write_text("".join(f"{a.registration_id} {a.token}\n" for a in applicants))
    return path


class Run:
    """One run of the harness: a store, a server (restarted if it hangs), the mixes."""

    def __init__(self, args: argparse.Namespace, wrk_path: str, workdir: Path) -> None:
        self.args, self.wrk_path, self.workdir = args, wrk_path, workdir
        self.results: dict[str, Any] = {
            "mixes": {},
            "server": {"starts": [], "stops": []},
            "findings": [],
        }
        self.server: Server | None = None
        self.env: dict[str, str] = {}
        self.settings: Settings
        self.data: store.Store
        self.db_name: str | None = None

    def finding(self, text: str) -> None:
        self.results["findings"].append(text)
        print(f"finding: {text}", flush=True)

    # -- the store -----------------------------------------------------------------
    def build(self) -> None:
        secret = "rush-" + os.urandom(8).hex()
        self.db_name, url = store.create_database(self.args.database_url)
        data_dir = self.workdir / "var"
        overrides = {"database_url": url, "data_dir": str(data_dir), "secret_key": secret}
        capacity = small_store_capacity(self.args.applicants, Settings(_env_file=None))
        if capacity is not None:
            overrides["daily_capacity"] = str(capacity)
        self.settings = Settings(_env_file=None, **overrides)  # type: ignore[arg-type]
        self.env = {**os.environ, **{f"PUERTA_{k.upper()}": v for k, v in overrides.items()}}
        print(f"building {self.db_name}: {self.args.applicants:,} applicants ...", flush=True)
        t0 = time.perf_counter()
        self.data = store.build(
            url,
            self.db_name,
            applicants=self.args.applicants,
            settings=self.settings,
            seed=self.args.seed,
        )
        self.results["store"] = {
            "database": self.db_name,
            "applicants": len(self.data.applicants),
            "travelers": self.data.travelers,
            "drawn_pool_date": self.data.drawn_pool.isoformat(),
            "selected_registrations": len(self.data.selected),
            "seats_offered": self.data.seats_offered,
            "daily_capacity": self.settings.daily_capacity,
            "applicants_who_may_ask_today": len(self.data.askers),
            "seconds": {k: round(v, 2) for k, v in self.data.seconds.items()}
            | {"total": round(time.perf_counter() - t0, 2)},
        }
        print(f"store: {json.dumps(self.results['store'])}", flush=True)
        if len(self.data.askers) < self.args.threads:
            raise RuntimeError("every applicant was selected: no one left to ask today")
        self.tokens = {
            "status": write_tokens(self.workdir / "status.tokens", self.data.applicants),
            "bare": write_tokens(self.workdir / "bare.tokens", self.data.applicants[:1]),
        }

    # -- the server ----------------------------------------------------------------
    def start_server(self) -> None:
        workers = self.args.workers
        if workers and not serve_supports("--workers"):
            self.finding(f"`puerta serve` has no --workers option; --workers {workers} ignored")
            self.args.workers = workers = None
        self.server = Server(free_port(), self.env, self.workdir, workers=workers)
        self.server.start()
        self.results["server"]["starts"].append(
            {
                "port": self.server.port,
                "ready_after_s": round(self.server.started_s, 2),
                "workers": workers,
            }
        )
        print(f"server on {self.server.base} (ready in {self.server.started_s:.1f} s)", flush=True)

    def stop_server(self, why: str) -> None:
        if self.server is None or self.server.proc is None:
            return
        stop = self.server.stop()
        self.results["server"]["stops"].append({"why": why, **stop.as_dict()})
        if not stop.exited_on_sigterm:
            self.finding(
                f"server ({why}) did not exit within {stop.seconds:.0f} s of SIGTERM; "
                "its process group was killed with SIGKILL"
            )
        else:
            print(f"server stopped ({why}) {stop.seconds:.1f} s after SIGTERM", flush=True)
        self.server = None

    def _auth_probe(self) -> dict[str, Any]:
        assert self.server is not None
        a = self.data.applicants[0]
        return self.server.probe(
            f"/api/v1/registrations/{a.registration_id}/status",
            timeout=self.args.probe_timeout,
            headers={"Authorization": f"Bearer {a.token}"},
        )

    # -- the mixes -----------------------------------------------------------------
    def plan(self) -> list[tuple[str, str, int, bool]]:
        """(key, mix, connections, judged) in order: each mix's sweep first, then the mix
        at its own connections, the one the issue's targets are for."""
        runs = []
        for name in self.args.mixes:
            if name in SWEPT:
                runs += [(f"{name}@{c}", name, c, False) for c in self.args.sweep]
            runs.append((name, name, self.args.connections[name], True))
        return runs

    def request_slices(self, runs: list[tuple[str, str, int, bool]]) -> dict[str, Path]:
        """One token file per request run, each with its own applicants: every run asks
        for registrations that have not asked today (201s, then the repeats' 200s)."""
        keys = [key for key, name, _, _ in runs if name == "request"]
        askers = self.data.askers
        files = {}
        for i, key in enumerate(keys):
            part = askers[i :: len(keys)]
            if len(part) < self.args.threads:
                raise RuntimeError(f"too few applicants left to ask for {len(keys)} request runs")
            files[key] = write_tokens(self.workdir / f"{key}.tokens", part)
        return files

    def mix(self, key: str, name: str, conns: int, judged: bool) -> None:
        entry: dict[str, Any] = {
            "what": WHAT[name],
            "mix": name,
            "connections": conns,
            "threads": self.args.threads,
            "duration_s": self.args.duration,
            "judged": judged,
        }
        self.results["mixes"][key] = entry
        if name == "request":
            shut = window_open_through(self.settings, self.args.duration + self.args.timeout + 30)
            if shut:
                entry["skipped"] = shut
                self.finding(f"request mix skipped: {shut}")
                return
        if self.server is None:
            self.start_server()
        assert self.server is not None
        entry["server_port"] = self.server.port
        entry["load_before"] = load()
        cpu0 = self.server.cpu()
        log_from = self.server.log_size()
        started = SystemClock().now()
        print(f"{key}: {conns} connections for {self.args.duration} s ...", flush=True)
        prober = None
        if name == "overload":  # the admitted p99 as a client sees it (probe.py)
            askers = self.data.applicants[1:41]
            prober = Probe(self.server.base, [(a.registration_id, a.token) for a in askers])
            prober.start()
        result = wrk.run(
            self.wrk_path,
            url=self.server.base,
            mode=MODE[name],
            connections=conns,
            threads=self.args.threads,
            duration=self.args.duration,
            timeout=self.args.timeout,
            tokens=self.tokens[key if name == "request" else MODE[name]],
            workdir=self.workdir,
            body=self._body(),
            name=key.replace("@", "-"),
        )
        load_stopped = time.monotonic()
        if prober is not None:
            prober.stop()
            entry["probe"] = prober.summary()
        first = self._auth_probe()
        health = self.server.probe("/healthz", timeout=self.args.probe_timeout)
        cpu1 = self.server.cpu()
        entry |= {
            "started_at": started.isoformat(timespec="seconds"),
            "load_after": load(),
            "wrk": result.as_dict(),
            "first_request_after": first,
            "healthz_after": health,
            "server_cpu_s": None if cpu0 is None or cpu1 is None else round(cpu1 - cpu0, 2),
        }
        try:
            entry["pg_connections_after"] = store.connection_states(
                self.args.database_url, self.data.name
            )
        except Exception as exc:  # evidence only: never stop the run for it
            entry["pg_connections_after"] = {"error": f"{type(exc).__name__}: {exc}"}
        if first.get("status") != 200:  # the first request after the load went unanswered
            self._hung(key, entry, load_stopped, log_from)
        if name == "request":  # after a hung server ended: its open transactions are gone
            among = set(self.tokens[key].read_text().split()[::2])
            check = store.check_requests(
                self.data.url,
                after=self.data.drawn_pool,
                among=among,
                acknowledged=result.acknowledged,
                unconfirmed_budget=result.requests - result.ok + result.socket_errors + conns,
            )
            entry["store_check"] = check.as_dict()
        self._mark(name, entry, result, first, judged)

    def _hung(self, name: str, entry: dict[str, Any], load_stopped: float, log_from: int) -> None:
        """Record a server that answers nothing; wait (bounded) to see whether it recovers,
        and stop it when it does not."""
        assert self.server is not None
        entry["server_hung"] = True
        health = entry["healthz_after"]
        also = f"/healthz then took {health['seconds']:.1f} s" if health["ok"] else "nor /healthz"
        self.finding(
            f"after the {name} mix the server did not answer an authenticated request within "
            f"{self.args.probe_timeout:.0f} s ({also}; PostgreSQL connections: "
            f"{entry['pg_connections_after']})"
        )
        t0 = time.monotonic()
        recovered = None
        while time.monotonic() - t0 < self.args.recovery_wait:
            if (
                self.server.probe("/healthz", timeout=2.0)["ok"]
                and self._auth_probe().get("status") == 200
            ):
                recovered = round(time.monotonic() - load_stopped, 1)
                break
            time.sleep(1.0)
        entry["recovered_after_s"] = recovered
        entry["server_log_since_mix"] = self.server.log_problems(log_from)
        if recovered is None:
            self.finding(
                f"the server had not recovered {self.args.recovery_wait:.0f} s later: "
                "stopped, and a new one serves the next mix"
            )
            self.stop_server(f"hung after {name}")
        else:
            self.finding(f"the server answered again about {recovered} s after the load stopped")

    def sigterm_under_load(self) -> None:
        """SIGTERM the server while the status mix is running, as an operator would."""
        if self.server is None:
            self.start_server()
        assert self.server is not None
        conns = self.args.connections["status"]
        at = float(min(3, self.args.duration))
        launch = wrk.start(
            self.wrk_path,
            url=self.server.base,
            mode="status",
            connections=conns,
            threads=self.args.threads,
            duration=int(at + GRACE_SECONDS + 10),
            timeout=self.args.timeout,
            tokens=self.tokens["status"],
            workdir=self.workdir,
            body=self._body(),
            name="sigterm",
        )
        time.sleep(at)
        self.stop_server(f"SIGTERM under load ({conns} connections)")
        with contextlib.suppress(ProcessLookupError):
            launch.proc.send_signal(signal.SIGINT)  # wrk stops and reports
        result = wrk.finish(launch)
        self.results["sigterm_under_load"] = {
            "connections": conns,
            "sigterm_after_s": at,
            **self.results["server"]["stops"][-1],
            "wrk_statuses": result.as_dict()["statuses"],
        }

    def _body(self) -> dict[str, Any]:
        lat, lon = store.ASK_FROM["SYS"]
        return {"port_code": "SYS", "latitude": lat, "longitude": lon}

    def _mark(
        self, name: str, entry: dict[str, Any], result: wrk.WrkResult, first: dict, judged: bool
    ) -> None:
        mixes = self.results["mixes"]
        bare = mixes.get("bare", {}).get("wrk", {}).get("goodput_2xx_per_s")
        entry["ratio_to_bare"] = (
            round(result.goodput / bare, 3)
            if bare and name != "bare"
            else (1.0 if name == "bare" else None)
        )
        if not judged:  # a sweep point: figures only, the targets are for the mix's own load
            entry["targets"], entry["pass"] = [], None
            return
        statuses = [m for m in mixes.values() if m.get("mix") == "status" and "wrk" in m]
        peak = max((m["wrk"]["goodput_2xx_per_s"] for m in statuses), default=None)
        entry["peak_goodput_2xx_per_s"] = peak
        found = report.targets(
            name,
            result,
            peak_goodput=peak,
            first_after_s=first["seconds"] if first.get("status") == 200 else None,
            store_ok=entry.get("store_check", {}).get("ok"),
            probe=entry.get("probe"),
        )
        entry["targets"] = [t.as_dict() for t in found]
        entry["pass"] = all(t.passed for t in found) if found else None

    def go(self) -> dict[str, Any]:
        self.results["started_at"] = SystemClock().now().isoformat(timespec="seconds")
        self.results["command"] = " ".join(["python -m puerta.bench.rush", *self.args.argv])
        self.results["machine"] = machine(self.wrk_path)
        self.build()
        runs = self.plan()
        self.tokens.update(self.request_slices(runs))
        for key, name, conns, judged in runs:
            self.mix(key, name, conns, judged)
        if self.args.sigterm_under_load:
            self.sigterm_under_load()
        else:
            self.stop_server("end of run")
        self.results["machine"]["load_at_end"] = load()
        self.results["finished_at"] = SystemClock().now().isoformat(timespec="seconds")
        return self.results

    def cleanup(self) -> None:
        if self.server is not None:
            self.stop_server("cleanup")
        if self.db_name and not self.args.keep:
            store.drop_database(self.args.database_url, self.db_name)
        if not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            print(f"kept: database {self.db_name}, work directory {self.workdir}")


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    outside = store.check_asks_from(Settings(_env_file=None))
    if outside:
        raise SystemExit(f"asking places outside the eligible area: {outside}")
    wrk_path = wrk.ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="puerta-rush-"))
    run = Run(args, wrk_path, workdir)
    try:
        results = run.go()
    finally:
        run.cleanup()
    print()
    print(report.table(results["mixes"]))
    sig = results.get("sigterm_under_load")
    if sig:
        how = (
            f"exited {sig['seconds_after_sigterm']} s after SIGTERM"
            if sig["exited_on_sigterm"]
            else f"still running {sig['seconds_after_sigterm']} s after SIGTERM: killed"
        )
        print(f"SIGTERM under load ({sig['connections']} connections): {how}")
    for text in results["findings"]:
        print(f"finding: {text}")
    print(
        f"load average: start {results['machine']['load_at_start']}, "
        f"end {results['machine']['load_at_end']}"
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"results: {args.out}")
    failed = [n for n, m in results["mixes"].items() if m.get("pass") is False]
    return 1 if args.check and failed else 0
