"""How long the proof of work takes: in Debian's chromium as a mid-range phone, and in Python.

The difficulty (``pow_max_number``, ``pow_cost``) is tuned so that a mid-range phone
solves a challenge in about a second. A phone is approximated by headless chromium with
its CPU slowed 4x through the DevTools protocol (``Emulation.setCPUThrottlingRate``), on
the real sign-up page and its vendored widget against Puerta served on loopback. Each
run resets the widget and solves a fresh challenge; the time is the widget's own
(``solution.time``: from the first counter tried to the one found) and the wall time from
``verify()`` to the ``verified`` event (the challenge fetched too; the widget's
``minDuration`` of 0.5 s floors it). The Python solver (``altcha.solve_challenge``, what an
API client or the tests use) solves the same kind of challenge.

    python -m puerta.bench.pow_bench [--runs 30] [--throttle 4] [--chromium /usr/bin/chromium]

Nothing leaves the machine: the server listens on 127.0.0.1 and the page loads only
Puerta's own files.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from puerta.config import Settings

CHROMIUM = "/usr/bin/chromium"

SOLVE_ONCE = """
async () => {
  const widget = document.querySelector("altcha-widget");
  await customElements.whenDefined("altcha-widget");
  widget.reset();
  const started = performance.now();
  const done = new Promise((resolve) =>
    widget.addEventListener("verified", (e) => resolve(e.detail.payload), { once: true })
  );
  widget.verify();
  const payload = await done;
  const wall = performance.now() - started;
  const solution = JSON.parse(atob(payload)).solution;
  return { wall, solve: solution.time, counter: solution.counter };
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 1),
        "p90": round(ordered[max(0, int(len(ordered) * 0.9) - 1)], 1),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


def browser_times(settings: Settings, runs: int, throttle: float, chromium: str) -> dict[str, Any]:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from puerta.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True)
            page = browser.new_page(viewport={"width": 360, "height": 740})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
            foreign: list[str] = []
            origin = f"http://127.0.0.1:{port}"
            page.on(
                "request", lambda r: None if r.url.startswith(origin) else foreign.append(r.url)
            )
            page.goto(f"{origin}/account/new")
            page.wait_for_function("() => document.querySelector('altcha-widget').getState()")
            page.evaluate(SOLVE_ONCE)  # warm up: workers started, code compiled
            results = [page.evaluate(SOLVE_ONCE) for _ in range(runs)]
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return {
        "throttle": throttle,
        "runs": runs,
        "solve_ms": _summary([r["solve"] for r in results]),
        "wall_ms": _summary([r["wall"] for r in results]),
        "mean_counter": round(statistics.fmean(r["counter"] for r in results)),
        "requests_to_other_hosts": foreign,
    }


def python_times(settings: Settings, runs: int) -> dict[str, Any]:
    from puerta.clock import SystemClock
    from puerta.pow import service

    times = []
    for _ in range(runs):
        challenge = service.issue(settings=settings, clock=SystemClock())
        started = time.perf_counter()
        payload = service.solve(challenge)
        times.append((time.perf_counter() - started) * 1000)
        json.loads(base64.b64decode(payload))
    return {"runs": runs, "solve_ms": _summary(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--throttle", type=float, default=4.0)
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--max-number", type=int, default=None)
    parser.add_argument("--cost", type=int, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        overrides: dict[str, Any] = {}
        if args.max_number:
            overrides["pow_max_number"] = args.max_number
        if args.cost:
            overrides["pow_cost"] = args.cost
        settings = Settings(
            data_dir=Path(tmp), secret_key=secrets.token_hex(16), _env_file=None, **overrides
        )
        out = {
            "pow_max_number": settings.pow_max_number,
            "pow_cost": settings.pow_cost,
            "chromium": browser_times(settings, args.runs, args.throttle, args.chromium),
            "python": python_times(settings, args.runs),
        }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
