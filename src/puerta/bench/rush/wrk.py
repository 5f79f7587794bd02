"""Driving ``wrk`` (Debian's package, 4.1): the Lua script, the run, its result.

Each wrk thread has its own Lua state. ``setup(thread)`` (in the main state)
numbers the threads and keeps them; ``init`` (in each thread) reads the token
file and keeps every ``nthreads``-th applicant, so no two threads send the
same registration; ``response`` counts statuses, 503/429 answers without
``Retry-After`` and, for the request mix, the registration ids a 2xx
acknowledged; ``done`` (main state again) gathers the threads' tables with
``thread:get`` and writes one JSON file.

What wrk 4.1 counts, read from its source: a *timeout* is a response that
arrived later than ``--timeout`` (its latency is not recorded); a request that
never gets an answer before the run ends is counted nowhere, so a hung server
shows as missing throughput and a failed health probe, not as timeouts. The
latency histogram is wrk's, corrected for coordinated omission
(``stats_correct``) before ``done`` sees it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODES = ("request", "status", "bare")
PERCENTILES = (50.0, 75.0, 90.0, 99.0, 99.9)

LUA = r"""-- Written by puerta.bench.rush; one file per mix.
local tokens_file = "@TOKENS@"
local out_file = "@OUT@"
local acks_file = "@ACKS@"
local mode = "@MODE@"
local nthreads = @THREADS@
local post_body = '@BODY@'
local percentiles = {@PERCENTILES@}

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

statuses = {}
acked = {}
no_retry_after = 0
local reqs = {}
local idx = 0

function init(args)
  if mode == "bare" then
    reqs[1] = wrk.format("GET", "/healthz")
    return
  end
  local i = 0
  for line in io.lines(tokens_file) do
    if i % nthreads == tid then
      local rid, token = line:match("^(%S+)%s+(%S+)$")
      local h = {["Authorization"] = "Bearer " .. token}
      local base = "/api/v1/registrations/" .. rid
      if mode == "request" then
        h["Content-Type"] = "application/json"
        reqs[#reqs + 1] = wrk.format("POST", base .. "/requests", h, post_body)
      else
        reqs[#reqs + 1] = wrk.format("GET", base .. "/status", h)
        reqs[#reqs + 1] = wrk.format("GET", base .. "/entry", h)
      end
    end
    i = i + 1
  end
  if #reqs == 0 then
    error("no applicant for thread " .. tid .. " in " .. tokens_file)
  end
end

function request()
  idx = idx + 1
  if idx > #reqs then idx = 1 end
  return reqs[idx]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 or status == 429 then
    local found = false
    for k, _ in pairs(headers) do
      if string.lower(k) == "retry-after" then found = true end
    end
    if not found then no_retry_after = no_retry_after + 1 end
  end
  if mode == "request" and status >= 200 and status < 300 and body then
    local rid = body:match('"registration_id"%s*:%s*"([^"]+)"')
    if rid then acked[rid] = true end
  end
end

-- A plain number for JSON: NaN, infinities and the empty histogram's sentinels become 0.
local function n(x)
  if x ~= x or x == math.huge or x == -math.huge or x > 1e15 then return 0 end
  return x
end

function done(summary, latency, requests)
  local all = {}
  local missing_retry_after = 0
  local acks = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses") or {}) do all[k] = (all[k] or 0) + v end
    missing_retry_after = missing_retry_after + (t:get("no_retry_after") or 0)
    for rid, _ in pairs(t:get("acked") or {}) do acks[rid] = true end
  end
  local ok, total = 0, 0
  local parts = {}
  for k, v in pairs(all) do
    total = total + v
    if k >= 200 and k < 300 then ok = ok + v end
    parts[#parts + 1] = string.format('"%d": %d', k, v)
  end
  -- The admitted requests' p99 is at most the overall percentile 100 - r (r: their share):
  -- at most r/100 of all responses are slower than that value, so at most 1% of the admitted.
  local share = 0
  if total > 0 then share = ok / total end
  local admitted_q = 100 - share
  local pcts = {}
  for _, q in ipairs(percentiles) do
    pcts[#pcts + 1] = string.format('"%s": %.0f', tostring(q), n(latency:percentile(q)))
  end
  local e = summary.errors
  local f = assert(io.open(out_file, "w"))
  f:write("{")
  f:write(string.format('"duration_us": %.0f, "requests": %.0f, "bytes": %.0f, ',
    summary.duration, summary.requests, summary.bytes))
  f:write(string.format(
    '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f}, ',
    e.connect, e.read, e.write, e.status, e.timeout))
  f:write(string.format('"latency_us": {"min": %.0f, "mean": %.0f, "max": %.0f, "stdev": %.0f, ',
    n(latency.min), n(latency.mean), n(latency.max), n(latency.stdev)))
  f:write('"percentiles": {' .. table.concat(pcts, ", ") .. '}, ')
  f:write(string.format('"admitted_p99_bound": %.0f, "admitted_quantile": %.6f}, ',
    n(latency:percentile(admitted_q)), admitted_q))
  f:write('"statuses": {' .. table.concat(parts, ", ") .. '}, ')
  f:write(string.format('"missing_retry_after": %.0f}', missing_retry_after))
  f:close()
  if mode == "request" then
    local a = assert(io.open(acks_file, "w"))
    for rid, _ in pairs(acks) do a:write(rid, "\n") end
    a:close()
  end
end
"""


def lua_script(
    *, mode: str, tokens: Path, out: Path, acks: Path, threads: int, body: dict[str, Any]
) -> str:
    """The script for one mix (``request``, ``status`` or ``bare``)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    values = {
        "@TOKENS@": str(tokens),
        "@OUT@": str(out),
        "@ACKS@": str(acks),
        "@MODE@": mode,
        "@THREADS@": str(threads),
        "@BODY@": json.dumps(body, separators=(",", ":")),
        "@PERCENTILES@": ", ".join(str(p) for p in PERCENTILES),
    }
    text = LUA
    for key, value in values.items():
        if key != "@BODY@" and any(c in value for c in "\"'\\\n"):
            raise ValueError(f"{key} holds a quote or backslash: {value!r}")
        text = text.replace(key, value)
    return text


@dataclass
class WrkResult:
    """One wrk run, as ``done`` wrote it."""

    duration_s: float
    requests: int
    statuses: dict[int, int]
    errors: dict[str, int]
    latency_ms: dict[str, float]
    admitted_p99_bound_ms: float
    missing_retry_after: int
    acknowledged: set[str] = field(default_factory=set)
    exit_code: int | None = 0
    stderr: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def goodput(self) -> float:
        """2xx answers per second."""
        return self.ok / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.get(k, 0) for k in ("connect", "read", "write", "timeout"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "duration_s": round(self.duration_s, 3),
            "requests": self.requests,
            "requests_per_s": round(self.rps, 1),
            "goodput_2xx_per_s": round(self.goodput, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "socket_errors": self.errors,
            "latency_ms": self.latency_ms,
            "admitted_p99_bound_ms": self.admitted_p99_bound_ms,
            "missing_retry_after": self.missing_retry_after,
            "acknowledged_registrations": len(self.acknowledged),
            "wrk_exit_code": self.exit_code,
            "wrk_stderr": self.stderr[-2000:],
        }


def parse_result(raw: dict[str, Any], acks: set[str] | None = None) -> WrkResult:
    """Read what the script's ``done`` wrote (microseconds become milliseconds)."""
    lat = raw["latency_us"]
    latency_ms = {f"p{k.removesuffix('.0')}": v / 1000 for k, v in lat["percentiles"].items()}
    latency_ms |= {k: lat[k] / 1000 for k in ("min", "mean", "max")}
    return WrkResult(
        duration_s=raw["duration_us"] / 1e6,
        requests=int(raw["requests"]),
        statuses={int(k): int(v) for k, v in raw["statuses"].items()},
        errors={k: int(v) for k, v in raw["errors"].items()},
        latency_ms=latency_ms,
        admitted_p99_bound_ms=lat["admitted_p99_bound"] / 1000,
        missing_retry_after=int(raw["missing_retry_after"]),
        acknowledged=acks or set(),
    )


def empty_result(duration_s: float, exit_code: int | None, stderr: str) -> WrkResult:
    """What is known when wrk wrote nothing (it failed or was killed)."""
    return WrkResult(
        duration_s=duration_s,
        requests=0,
        statuses={},
        errors={},
        latency_ms={},
        admitted_p99_bound_ms=0.0,
        missing_retry_after=0,
        exit_code=exit_code,
        stderr=stderr,
    )


def ensure_wrk() -> str:
    """The path of ``wrk``; installs Debian's package when it is missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise RuntimeError("wrk is not installed and apt-get is unavailable (or not root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, timeout=600).returncode != 0:  # noqa: S603
        subprocess.run([apt, "update", "-qq"], env=env, capture_output=True, timeout=600)  # noqa: S603
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=600)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"apt-get install wrk failed: {done.stderr[-500:]}")
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get installed wrk but it is not on PATH")
    return found


@dataclass
class Launch:
    """A wrk run under way (see :func:`start`)."""

    proc: subprocess.Popen[str]
    out: Path
    acks: Path
    duration: int
    limit_s: float


def start(
    wrk: str,
    *,
    url: str,
    mode: str,
    connections: int,
    threads: int,
    duration: int,
    timeout: int,
    tokens: Path,
    workdir: Path,
    body: dict[str, Any],
    name: str,
) -> Launch:
    """Start one bounded wrk run: ``-d`` seconds of load, ``--timeout`` per request."""
    threads = max(1, min(threads, connections))
    connections -= connections % threads
    out, acks = workdir / f"{name}.json", workdir / f"{name}.acks"
    script = workdir / f"{name}.lua"
    script.write_text(
        lua_script(mode=mode, tokens=tokens, out=out, acks=acks, threads=threads, body=body)
    )
    out.unlink(missing_ok=True)
    acks.unlink(missing_ok=True)
    cmd = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s"]
    cmd += ["--timeout", f"{timeout}s", "-s", str(script), url]
    proc = subprocess.Popen(  # noqa: S603
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    return Launch(proc, out, acks, duration, duration + timeout + 60.0)


def finish(launch: Launch) -> WrkResult:
    """Wait for the run (killing wrk if it outlives its bound) and read its result."""
    try:
        _, stderr = launch.proc.communicate(timeout=launch.limit_s)
        code: int | None = launch.proc.returncode
    except subprocess.TimeoutExpired:
        launch.proc.kill()
        launch.proc.communicate(timeout=30)
        code, stderr = None, f"wrk killed after {launch.limit_s:.0f} s"
    if not launch.out.exists():
        return empty_result(float(launch.duration), code, stderr)
    seen = set(launch.acks.read_text().split()) if launch.acks.exists() else set()
    result = parse_result(json.loads(launch.out.read_text()), seen)
    result.exit_code, result.stderr = code, stderr
    return result


def run(wrk: str, **kwargs: Any) -> WrkResult:
    """One bounded wrk run, start to result (arguments as :func:`start`)."""
    return finish(start(wrk, **kwargs))
