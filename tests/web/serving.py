"""Real ``puerta serve`` processes on free loopback ports, and a small raw HTTP/1.1 client
that tells a refused request (no byte of an answer) from a cut one (part of an answer)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

STARTUP_SECONDS = 90  # a loaded two-core machine imports the app slowly


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """One ``puerta serve``: its master process, port and log."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: int
    signalled_at: float | None = field(default=None)

    def lines(self) -> list[tuple[int, str]]:
        """(pid, message) of every log line (JSON, ``log_format``'s default)."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                found.append((int(record["pid"]), str(record["message"])))
        return found

    def pids_saying(self, text: str) -> list[int]:
        return [pid for pid, message in self.lines() if text in message]

    def worker_pids(self) -> list[int]:
        return [
            int(m[1])
            for _, message in self.lines()
            if (m := re.match(r"Booting worker with pid: (\d+)", message))
        ]

    def wait_ready(self) -> None:
        """Until every worker has started (its lifespan, and so its scheduler, runs)."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"exited early:\n{self.log.read_text()}"
            started = len(self.pids_saying("Application startup complete"))
            if started >= self.workers and _healthy(self.port):
                return
            time.sleep(0.2)
        raise AssertionError(f"not ready in {STARTUP_SECONDS} s:\n{self.log.read_text()}")

    def terminate(self) -> None:
        self.signalled_at = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)

    def wait_exit(self, seconds: float) -> tuple[int, float]:
        """The exit status and the seconds from SIGTERM to exit (fails past ``seconds``)."""
        assert self.signalled_at is not None
        left = max(0.0, self.signalled_at + seconds - time.monotonic())
        try:
            code = self.proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"still running {seconds} s after SIGTERM:\n{self.log.read_text()}"
            ) from None
        return code, time.monotonic() - self.signalled_at

    def kill(self) -> None:
        """Clean-up: the whole process group this test started, if still there."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def serve(tmp_path: Path, database_url: str, name: str, *, workers: int = 2) -> Served:
    """Start ``puerta serve --workers N`` on a free port, in a process group of its own."""
    port = free_port()
    log = tmp_path / f"{name}.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PUERTA_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(
        PUERTA_DATABASE_URL=database_url,
        PUERTA_DATA_DIR=str(tmp_path / "var"),
        PUERTA_SECRET_KEY="test-secret",
        PUERTA_SCHEDULER_INTERVAL_SECONDS="1",
    )
    command = [sys.executable, "-m", "puerta.cli.main", "serve", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)],
            cwd=tmp_path,  # no .env of the developer's
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Served(proc=proc, port=port, log=log, workers=workers)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}/status").exists()
        and "zombie" not in Path(f"/proc/{pid}/status").read_text()
    )


# --- a raw HTTP/1.1 client -----------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None: no answer at all
    complete: bool
    received: int  # bytes of the answer received
    error: str = ""


def read_answer(sock: socket.socket) -> Answer:
    """Read to EOF; parse the final answer (skipping a ``100 Continue``)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError as exc:  # reset: what came before it still counts
        if not data:
            return Answer(status=None, complete=False, received=0, error=type(exc).__name__)
    while data.startswith(b"HTTP/1.1 100"):
        data = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    if not data:
        return Answer(status=None, complete=False, received=0, error="closed")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    length = headers.get("content-length")
    complete = length is not None and len(body) == int(length)
    return Answer(status=status, complete=complete, received=len(data))


def get(port: int, path: str, *, timeout: float = 10) -> Answer:
    """One GET on a new connection (``Connection: close``)."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as exc:
        return Answer(status=None, complete=False, received=0, error=type(exc).__name__)
    with sock:
        try:
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
            )
        except OSError as exc:
            return Answer(status=None, complete=False, received=0, error=type(exc).__name__)
        return read_answer(sock)


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False
