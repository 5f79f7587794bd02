"""The harness's options, its mixes, and the facts about the run it records."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from puerta.bench.rush import store
from puerta.clock import SystemClock
from puerta.config import Settings
from puerta.requests.service import window_from

ORDER = ("bare", "request", "status", "overload")
SWEPT = ("request", "status")
MODE = {"bare": "bare", "request": "request", "status": "status", "overload": "status"}
DEFAULT_CONNECTIONS = {"bare": 64, "request": 64, "status": 64, "overload": 512}
WHAT = {
    "bare": "GET /healthz",
    "request": "POST /api/v1/registrations/{id}/requests",
    "status": "GET /api/v1/registrations/{id}/status + GET .../entry",
    "overload": "the status mix at overload",
}


def parse_connections(text: str) -> dict[str, int]:
    """``request=64,overload=512``; a bare number sets every mix but ``overload``."""
    out = dict(DEFAULT_CONNECTIONS)
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = item.rpartition("=")
        if not name:
            out |= {m: int(value) for m in ORDER if m != "overload"}
        elif name in out:
            out[name] = int(value)
        else:
            raise argparse.ArgumentTypeError(f"unknown mix {name!r} in --connections")
    if any(n < 1 for n in out.values()):
        raise argparse.ArgumentTypeError("connections must be at least 1")
    return out


def parse_counts(text: str) -> list[int]:
    counts = [int(c) for c in text.split(",") if c.strip()]
    if any(c < 1 for c in counts):
        raise argparse.ArgumentTypeError("connection counts must be at least 1")
    return counts


def parse_mixes(text: str) -> list[str]:
    wanted = {m.strip() for m in text.split(",") if m.strip()}
    unknown = wanted - set(ORDER)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown mixes: {', '.join(sorted(unknown))}")
    return [m for m in ORDER if m in wanted]


def arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m puerta.bench.rush",
        description="The rush (issue 10): a load harness for puerta serve.",
    )
    p.add_argument("--applicants", type=int, default=20_000, help="applicants in the store")
    p.add_argument("--duration", type=int, default=15, help="seconds of load per mix")
    p.add_argument(
        "--connections",
        type=parse_connections,
        default=dict(DEFAULT_CONNECTIONS),
        help="per mix, e.g. request=64,status=64,overload=512,bare=64",
    )
    p.add_argument(
        "--mixes",
        type=parse_mixes,
        default=list(ORDER),
        help="comma-separated: bare,request,status,overload",
    )
    p.add_argument(
        "--sweep",
        type=parse_counts,
        default=[],
        help="extra connection counts for the request and status mixes, run first "
        "(figures only, e.g. 8,32: the server below its stall)",
    )
    p.add_argument("--threads", type=int, default=1, help="wrk threads (the machine is shared)")
    p.add_argument("--timeout", type=int, default=2, help="wrk --timeout, seconds")
    p.add_argument(
        "--probe-timeout",
        type=float,
        default=10.0,
        help="seconds a probe after a mix may take before the server counts as hung",
    )
    p.add_argument(
        "--recovery-wait",
        type=float,
        default=45.0,
        help="seconds to wait for a hung server to answer again before replacing it",
    )
    p.add_argument(
        "--no-sigterm-under-load",
        dest="sigterm_under_load",
        action="store_false",
        help="stop the server at the end without the SIGTERM-under-load check",
    )
    p.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="admin URL; the harness creates and drops puerta_bench_<hex> there",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="passed to `puerta serve --workers` when it has that option",
    )
    p.add_argument("--keep", action="store_true", help="keep the database and the work directory")
    p.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    p.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.applicants < 1 or args.duration < 1 or args.timeout < 1:
        p.error("--applicants, --duration and --timeout must be at least 1")
    return args


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine(wrk_path: str) -> dict[str, Any]:
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    version = subprocess.run([wrk_path, "-v"], capture_output=True, text=True, timeout=10)  # noqa: S603
    return {
        "nproc": os.cpu_count(),
        "mem_total": mem,
        "python": sys.version.split()[0],
        "wrk": (version.stdout or version.stderr).splitlines()[0]
        if version.stdout or version.stderr
        else "",
        "load_at_start": load(),
    }


def small_store_capacity(applicants: int, settings: Settings) -> int | None:
    """A daily capacity for a small store, so that its draw selects about a fifth of the
    travelers and leaves applicants to ask today; None (the setting) for a full-size store.
    """
    expected = applicants * sum(store.GROUP_SIZES) / len(store.GROUP_SIZES)
    if expected * 0.2 >= settings.daily_capacity:
        return None
    return max(len(settings.port_shares), int(expected * 0.2))


def window_open_through(settings: Settings, seconds: float) -> str | None:
    """None when the request window stays open (one pool date) for ``seconds``; else why not."""
    window = window_from(settings)
    now = SystemClock().now()
    first, last = window.pool_date(now), window.pool_date(now + timedelta(seconds=seconds))
    if first is None or last != first:
        return (
            f"the request window ({settings.window_opens:%H:%M}-{settings.window_closes:%H:%M} "
            f"{settings.timezone}) is shut or closes within the mix; run it at another hour"
        )
    return None
