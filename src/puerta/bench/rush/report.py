"""The issue's targets for each mix, and the table the harness prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from puerta.bench.rush.wrk import WrkResult

REQUEST_RPS, REQUEST_P99_MS = 1_000.0, 250.0
STATUS_RPS, STATUS_P99_MS = 2_000.0, 150.0
OVERLOAD_P99_MS, OVERLOAD_GOODPUT_SHARE, FIRST_AFTER_S = 500.0, 0.80, 1.0
REFUSALS = frozenset({429, 503})


@dataclass(frozen=True)
class Target:
    name: str
    measured: Any
    wanted: str
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.name,
            "measured": self.measured,
            "wanted": self.wanted,
            "pass": self.passed,
        }


def _p99(result: WrkResult) -> float | None:
    p99 = result.latency_ms.get("p99")
    return round(p99, 1) if result.requests and p99 is not None else None


def _below(value: float | None, limit: float) -> bool:
    return value is not None and value < limit


#: Fewer 2xx answers than this and the probe's p99 means little: the target fails.
PROBE_MIN_ANSWERS = 50


def targets(
    mix: str,
    result: WrkResult,
    *,
    peak_goodput: float | None = None,
    first_after_s: float | None = None,
    store_ok: bool | None = None,
    probe: dict[str, Any] | None = None,
) -> list[Target]:
    """The issue's targets for ``mix``; throughput counts 2xx answers only.

    Overload's admitted p99 is the probe's (``probe.py``: a client beside wrk, in
    the same queue) when it has enough answers; wrk's upper bound is shown beside it.
    """
    good, p99 = round(result.goodput, 1), _p99(result)
    if mix == "request":
        return [
            Target("2xx/s", good, f">= {REQUEST_RPS:,.0f}", good >= REQUEST_RPS),
            Target("p99 ms", p99, f"< {REQUEST_P99_MS:.0f}", _below(p99, REQUEST_P99_MS)),
            Target("store matches the 2xx seen", store_ok, "true", store_ok is True),
        ]
    if mix == "status":
        return [
            Target("2xx/s", good, f">= {STATUS_RPS:,.0f}", good >= STATUS_RPS),
            Target("p99 ms", p99, f"< {STATUS_P99_MS:.0f}", _below(p99, STATUS_P99_MS)),
        ]
    if mix == "overload":
        others = sorted(s for s in result.statuses if not (200 <= s < 300 or s in REFUSALS))
        bound = round(result.admitted_p99_bound_ms, 1) if result.ok else None
        enough = probe is not None and probe.get("ok", 0) >= PROBE_MIN_ANSWERS
        probed = probe["p99_ms"] if enough and probe is not None else None
        wanted_good = None if peak_goodput is None else OVERLOAD_GOODPUT_SHARE * peak_goodput
        return [
            Target(
                "every answer 2xx or 503/429 with Retry-After",
                {
                    "other_statuses": others,
                    "refusals_without_retry_after": result.missing_retry_after,
                },
                "none",
                result.requests > 0 and not others and result.missing_retry_after == 0,
            ),
            Target(
                "socket timeouts",
                result.errors.get("timeout"),
                "0",
                result.errors.get("timeout", 1) == 0,
            ),
            Target(
                "admitted p99 ms (probe's 2xx answers)",
                probed,
                f"< {OVERLOAD_P99_MS:.0f} (wrk's upper bound: {_fmt(bound)})",
                _below(probed, OVERLOAD_P99_MS),
            ),
            Target(
                "goodput 2xx/s",
                good,
                ">= 80% of the status mix's"
                + ("" if wanted_good is None else f" ({wanted_good:,.0f})"),
                wanted_good is not None and wanted_good > 0 and good >= wanted_good,
            ),
            Target(
                "first request after the load, s",
                first_after_s,
                f"< {FIRST_AFTER_S:.0f}",
                _below(first_after_s, FIRST_AFTER_S),
            ),
        ]
    return []


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(mixes: dict[str, dict[str, Any]]) -> str:
    """One line per mix, then its targets."""
    head = (
        f"{'mix':<11} {'conns':>5} {'req/s':>9} {'2xx/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'vs bare':>7} {'errors c/r/w/timeout':>20} {'after':>7}  statuses"
    )
    lines = [head, "-" * len(head)]
    for name, m in mixes.items():
        if m.get("skipped"):
            lines.append(f"{name:<11} skipped: {m['skipped']}")
            continue
        w = m["wrk"]
        e = w["socket_errors"] or {}
        errs = "/".join(str(e.get(k, "-")) for k in ("connect", "read", "write", "timeout"))
        probe = m.get("first_request_after") or {}
        after = f"{probe['seconds']:.2f}s" if probe.get("status") == 200 else "none"
        statuses = " ".join(f"{k}:{v}" for k, v in w["statuses"].items()) or "none"
        lines.append(
            f"{name:<11} {m['connections']:>5} {_fmt(w['requests_per_s']):>9} "
            f"{_fmt(w['goodput_2xx_per_s']):>9} {_fmt(w['latency_ms'].get('p50')):>8} "
            f"{_fmt(w['latency_ms'].get('p99')):>8} {_fmt(m.get('ratio_to_bare'), 2):>7} "
            f"{errs:>20} {after:>7}  {statuses}"
        )
        for t in m.get("targets", []):
            mark = "PASS" if t["pass"] else "FAIL"
            lines.append(
                f"{'':<11}   {mark}  {t['target']}: {t['measured']} (wanted {t['wanted']})"
            )
        if m.get("server_hung"):
            back = m.get("recovered_after_s")
            then = f"answered again after {back} s" if back else "never recovered: replaced"
            lines.append(f"{'':<11}   server answered nothing after this mix; {then}")
    return "\n".join(lines)
