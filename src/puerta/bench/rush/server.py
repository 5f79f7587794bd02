"""The server under test: ``puerta serve`` in its own process group, and probes.

The harness must outlive a server that hangs: every wait here is bounded, and
stopping sends SIGTERM to the group, then SIGKILL when the group has not gone
within the grace period (reported, since a server that ignores SIGTERM is a
finding in itself).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

GRACE_SECONDS = 10.0
#: One request's line: puerta's own (JSON or text, ``puerta.access``) or a server's access log.
ACCESS_LINE = re.compile(r'"logger": "puerta\.access"| puerta\.access \[|HTTP/\d(?:\.\d)?" \d{3}')
START_SECONDS = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def puerta_command() -> list[str]:
    """The ``puerta`` console script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("puerta")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("puerta")
    if found:
        return [found]
    raise RuntimeError("no `puerta` command beside the interpreter or on PATH")


def serve_supports(option: str) -> bool:
    """Whether ``puerta serve --help`` lists ``option`` (e.g. ``--workers``)."""
    done = subprocess.run(  # noqa: S603
        [*puerta_command(), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    return option in done.stdout


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux ``/proc``), None when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


@dataclass
class Stop:
    """How the server ended: by SIGTERM within the grace period, or killed."""

    exited_on_sigterm: bool
    seconds: float
    killed: bool
    returncode: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "exited_on_sigterm": self.exited_on_sigterm,
            "seconds_after_sigterm": round(self.seconds, 2),
            "killed_with_sigkill": self.killed,
            "returncode": self.returncode,
        }


@dataclass
class Server:
    """One ``puerta serve`` process (group) on 127.0.0.1."""

    port: int
    env: dict[str, str]
    workdir: Path
    workers: int | None = None
    #: Further ``puerta serve`` options (``--no-scheduler``).
    options: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)
    started_s: float = 0.0

    def __post_init__(self) -> None:
        self.log_path = self.workdir / f"server-{self.port}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [*puerta_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.workers:
            cmd += ["--workers", str(self.workers)]
        cmd += list(self.options)
        t0 = time.monotonic()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                cmd,
                env=self.env,
                cwd=self.workdir,  # no stray .env file
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, to kill as a whole
            )
        deadline = t0 + START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.log_tail()}")
            if self.probe("/healthz", timeout=2.0)["ok"]:
                self.started_s = time.monotonic() - t0
                return
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"server not ready within {START_SECONDS:.0f} s:\n{self.log_tail()}")

    def probe(
        self, path: str, *, timeout: float, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """One request on a fresh connection: status and seconds, or the error."""
        t0 = time.monotonic()
        try:
            r = httpx.get(self.base + path, headers=headers, timeout=timeout)
            return {
                "ok": r.status_code < 500,
                "status": r.status_code,
                "seconds": round(time.monotonic() - t0, 4),
            }
        except httpx.HTTPError as exc:
            return {
                "ok": False,
                "error": type(exc).__name__,
                "seconds": round(time.monotonic() - t0, 4),
            }

    def cpu(self) -> float | None:
        return cpu_seconds(self.proc.pid) if self.proc else None

    def stop(self, grace: float = GRACE_SECONDS) -> Stop:
        """SIGTERM the group; SIGKILL it when it has not ended within ``grace`` seconds."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            return Stop(True, 0.0, False, self.proc.returncode)
        pgid = self.proc.pid  # start_new_session: the group id is the leader's pid
        t0 = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=grace)
            return Stop(True, time.monotonic() - t0, False, code)
        except subprocess.TimeoutExpired:
            pass
        waited = time.monotonic() - t0
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        return Stop(False, waited, True, code)

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_problems(self, since: int, keep: int = 12) -> dict[str, Any]:
        """Lines of the log written after byte ``since`` that are not access-log lines:
        how many, and the first and last few (tracebacks, pool timeouts, shutdown)."""
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(since)
                text = fh.read().decode(errors="replace")
        except OSError:
            return {"lines": 0, "first": [], "last": []}
        lines = [ln for ln in text.splitlines() if ln.strip() and not ACCESS_LINE.search(ln)]
        counts = {
            key: sum(key in ln for ln in lines)
            for key in ("Traceback", "TimeoutError", "QueuePool limit", "Waiting for")
        }
        return {"lines": len(lines), "counts": counts, "first": lines[:keep], "last": lines[-keep:]}

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
