"""Registration bursts: accounts made seconds apart, and forms no person could fill.

The report: "some of these noncitizens created registrations within a few
seconds of each other on the same date, which is impossible to legitimately
accomplish given the registration information requirements". A burst is a run
of registrations sharing a *signal* (one device, one small IP range, one email
pattern) whose consecutive gaps are seconds. Forms completed faster than a
person can type are the second sign, and they are scored with the run.

False-positive traps this guards against: an office or mobile-carrier IP
range shared by many honest people over hours (their gaps are minutes, and the
run is weighed against that range's usual rate), and common names whose
e-mail addresses look alike (``maria.garcia123@``) but arrive days apart.

Everything is vectorised: one sort and one ``diff`` per signal, then a merge of
overlapping runs as connected components.

Example:
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, UTC
    >>> t0 = datetime(2023, 6, 1, 9, tzinfo=UTC)
    >>> df = pl.DataFrame({"registration_id": [f"R{i}" for i in range(6)],
    ...     "position": [0] * 6, "is_owner": [True] * 6,
    ...     "created_at": [t0 + timedelta(seconds=3 * i) for i in range(6)],
    ...     "device_id": ["dev1"] * 6, "ip": ["45.77.10.17"] * 6,
    ...     "email": [f"ana+{i}@x.com" for i in range(6)], "form_seconds": [4.0] * 6,
    ...     "account_id": ["A1"] * 6})
    >>> [(f.kind, len(f.registration_ids)) for f in find_bursts(df)]
    [('registration_burst', 6)]
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from puerta.findings import explain as fx
from puerta.findings.explain import Sentence
from puerta.findings.value import REGISTRATION_BURST, Finding, stable_key
from puerta.trends.components import connected_components
from puerta.trends.frame import guard

NEEDED = ("registration_id", "position", "created_at")
OPTIONAL = ("is_owner", "device_id", "ip", "email", "form_seconds", "account_id")
"""The only columns the burst analysis reads (see ``frame.guard``)."""

SIGNALS = ("device", "ip_range", "email_pattern")


@dataclass(frozen=True)
class BurstConfig:
    """Thresholds of the burst analysis.

    Attributes:
        max_gap_seconds: Consecutive registrations of one signal at most this
            far apart belong to one run.
        min_size: Smallest run per signal worth a look.
        human_form_seconds: No person fills a registration form this fast.
        min_surprise: -log10 of the chance of the run given the signal's own
            usual rate; above it a run is flagged even with human-speed forms.
        min_fast_share: Share of too-fast forms that flags a run by itself.
        min_fast_group: Too-fast forms of one account or device flagged even
            when they are not seconds apart.
    """

    max_gap_seconds: float = 30.0
    min_size: tuple[tuple[str, int], ...] = (("device", 3), ("ip_range", 4), ("email_pattern", 4))
    human_form_seconds: float = 30.0
    min_surprise: float = 8.0
    min_fast_share: float = 0.5
    min_fast_group: int = 3


@lru_cache(maxsize=2_000_000)
def ip_range(ip: str | None) -> str | None:
    """The /24 of an IPv4 address or the /64 of an IPv6 one.

    Example:
        >>> ip_range("45.77.10.17"), ip_range("2001:db8::1")
        ('45.77.10.0/24', '2001:db8::/64')
    """
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    prefix = 24 if addr.version == 4 else 64
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


def email_pattern() -> pl.Expr:
    """``ana.perez+7@gmail.com`` and ``anaperez12@gmail.com`` -> ``anaperez@gmail.com``.

    Plus-tags, dots and trailing digits are what scripts vary to mint many
    addresses from one; the stem without them is the pattern.
    """
    email = pl.col("email").str.to_lowercase().str.strip_chars()
    local = email.str.extract(r"^([^@]+)@", 1)
    domain = email.str.extract(r"@(.+)$", 1)
    stem = local.str.replace(r"\+.*$", "").str.replace_all(r"[._-]", "").str.replace(r"\d+$", "")
    return pl.when(stem.str.len_chars() >= 3).then(pl.concat_str([stem, domain], separator="@"))


def email_number() -> pl.Expr:
    """The number a script counts with: the +tag, or the trailing digits."""
    local = pl.col("email").str.to_lowercase().str.extract(r"^([^@]+)@", 1)
    tag = local.str.extract(r"\+(\d+)$", 1)
    tail = local.str.replace(r"\+.*$", "").str.extract(r"(\d+)$", 1)
    return pl.coalesce(tag, tail).cast(pl.Int64, strict=False)


def registrations(df: pl.DataFrame) -> pl.DataFrame:
    """One row per registration with the burst signals (the owner's e-mail)."""
    df = guard(df, NEEDED, optional=OPTIONAL)
    for col in OPTIONAL:
        if col not in df.columns:
            df = df.with_columns(pl.lit(None).alias(col))
    # The owner's row (the lowest position) carries the e-mail a script mints.
    owners = df.filter(pl.col("position") == pl.col("position").min().over("registration_id"))
    regs = owners.unique(subset="registration_id", keep="first").select(
        "registration_id",
        "created_at",
        "device_id",
        "ip",
        "email",
        "form_seconds",
        "account_id",
    )
    sizes = df.group_by("registration_id").len("travelers")
    regs = regs.join(sizes, on="registration_id")
    # IPv4 /24 vectorised; only IPv6 (and odd strings) go through ``ipaddress``.
    v4 = pl.col("ip").str.strip_chars().str.extract(r"^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$", 1)
    regs = regs.with_columns(ip_range=pl.concat_str([v4, pl.lit(".0/24")]))
    other = regs.filter(pl.col("ip_range").is_null() & pl.col("ip").is_not_null())
    if other.height:
        values = other["ip"].unique().to_list()
        v6 = pl.DataFrame(
            {"ip": values, "ip6": [ip_range(v) for v in values]},
            schema={"ip": pl.String, "ip6": pl.String},
        )
        regs = (
            regs.join(v6, on="ip", how="left")
            .with_columns(ip_range=pl.coalesce("ip_range", "ip6"))
            .drop("ip6")
        )
    return regs.with_columns(
        email_pattern=email_pattern(),
        email_number=email_number(),
        device=pl.col("device_id"),
    )


def _runs(regs: pl.DataFrame, signal: str, config: BurstConfig) -> pl.DataFrame:
    """Runs of one signal with consecutive gaps <= max_gap, and their statistics."""
    min_size = dict(config.min_size)[signal]
    s = (
        regs.filter(pl.col(signal).is_not_null())
        .select(
            "registration_id",
            "created_at",
            "form_seconds",
            "email_number",
            pl.col("device").alias("dev"),
            pl.col(signal).alias("value"),
        )
        .sort("value", "created_at")
        .with_columns(
            gap=pl.col("created_at").diff().dt.total_seconds(fractional=True).over("value"),
            total=pl.len().over("value"),
            life=(pl.col("created_at").max() - pl.col("created_at").min())
            .dt.total_seconds()
            .over("value"),
        )
        .with_columns(
            new=(pl.col("gap").is_null() | (pl.col("gap") > config.max_gap_seconds)).cum_sum()
        )
        # Most runs are one registration long: drop them before aggregating.
        .filter(pl.len().over("new") >= min_size)
    )
    runs = (
        s.group_by("value", "new")
        .agg(
            pl.len().alias("n"),
            pl.col("registration_id"),
            pl.col("created_at").min().alias("start"),
            pl.col("created_at").max().alias("end"),
            pl.col("gap").slice(1).median().alias("median_gap"),
            (pl.col("form_seconds") < config.human_form_seconds).sum().alias("fast"),
            pl.col("form_seconds").median().alias("median_form"),
            pl.col("dev").n_unique().alias("devices"),
            pl.col("email_number")
            .drop_nulls()
            .sort()
            .diff()
            .drop_nulls()
            .abs()
            .max()
            .alias("max_number_step"),
            pl.col("total").first(),
            pl.col("life").first(),
        )
        .filter(pl.col("n") >= min_size)
        .with_columns(signal=pl.lit(signal))
    )
    return runs.drop("new")


def surprise(n: int, total: int, duration: float, life: float, window: float) -> float:
    """-log10 P(at least n of the signal's registrations fall in this run's window).

    The signal's usual rate is its other registrations over its life (at least
    a day); an office IP with many users spread over hours has a high rate, so
    a few of its registrations close together are no surprise.

    Example:
        >>> round(surprise(5, 5, 12, 12, 30), 1) > 8
        True
    """
    others = max(total - n, 0)
    rate = max(others, 1) / max(life, 86_400.0)
    lam = rate * (duration + window)
    # Poisson tail, dominated by its first term for the small lambdas that matter.
    log_p = n * math.log(lam) - lam - math.lgamma(n + 1) if lam > 0 else -math.inf
    if lam >= n:
        return 0.0
    return max(0.0, -log_p / math.log(10))


def score_runs(runs: pl.DataFrame, config: BurstConfig) -> pl.DataFrame:
    """Add ``surprise``, ``fast_share``, ``score`` and ``flagged`` to runs."""
    cols = guard(runs, ("n", "total", "start", "end", "life", "fast", "signal"))
    dur = (cols["end"] - cols["start"]).dt.total_seconds().to_numpy()
    sur = [
        surprise(int(n), int(t), float(d), float(life or 0), config.max_gap_seconds)
        for n, t, d, life in zip(cols["n"], cols["total"], dur, cols["life"], strict=True)
    ]
    fast_share = (cols["fast"] / cols["n"]).to_numpy()
    sur_arr = np.asarray(sur, dtype=float)
    score = np.round(np.minimum(sur_arr, 50) / 5 + 5 * fast_share + np.log2(cols["n"]), 2)
    flagged = (sur_arr >= config.min_surprise) | (fast_share >= config.min_fast_share)
    return runs.with_columns(
        surprise=pl.Series(np.round(sur_arr, 1)),
        fast_share=pl.Series(fast_share),
        score=pl.Series(score),
        flagged=pl.Series(flagged),
    )


def _fast_groups(regs: pl.DataFrame, config: BurstConfig) -> pl.DataFrame:
    """Too-fast forms of one account (or device), whatever their spacing."""
    fast = regs.filter(pl.col("form_seconds") < config.human_form_seconds).with_columns(
        value=pl.coalesce("account_id", "device", "registration_id")
    )
    return (
        fast.group_by("value")
        .agg(
            pl.len().alias("n"),
            pl.col("registration_id"),
            pl.col("created_at").min().alias("start"),
            pl.col("created_at").max().alias("end"),
            pl.col("form_seconds").median().alias("median_form"),
            pl.col("device").n_unique().alias("devices"),
        )
        .filter(pl.col("n") >= config.min_fast_group)
        .with_columns(
            signal=pl.lit("fast_forms"),
            fast=pl.col("n"),
            fast_share=pl.lit(1.0),
            score=(5 + pl.col("n").log(2)).round(2),
            flagged=pl.lit(True),
        )
    )


def _merge(flagged: pl.DataFrame) -> pl.DataFrame:
    """Registration -> burst label: runs sharing a registration are one burst."""
    members = (
        flagged.with_row_index("run").select("run", "registration_id").explode("registration_id")
    )
    ids = members.select("registration_id").unique(maintain_order=True).with_row_index("node")
    members = members.join(ids, on="registration_id")
    first = members.group_by("run").agg(pl.col("node").min().alias("first"))
    edges = members.join(first, on="run").filter(pl.col("node") != pl.col("first"))
    labels = connected_components(ids.height, edges["first"].to_numpy(), edges["node"].to_numpy())
    return ids.with_columns(burst=pl.Series(labels)).join(
        members.select("registration_id", "run").unique(), on="registration_id"
    )


def _burst_stats(labels: pl.DataFrame, regs: pl.DataFrame, human: float) -> pl.DataFrame:
    """Per burst: time span, gaps, form speeds, devices, IP ranges, e-mails."""
    members = labels.select("registration_id", "burst").unique().join(regs, on="registration_id")
    return (
        members.sort("burst", "created_at", "registration_id")
        .with_columns(
            gap=pl.col("created_at").diff().dt.total_seconds(fractional=True).over("burst")
        )
        .group_by("burst")
        .agg(
            pl.col("registration_id").sort(),
            pl.col("created_at").min().alias("start"),
            pl.col("created_at").max().alias("end"),
            pl.col("gap").mean().fill_null(0.0).alias("mean_gap"),
            (pl.col("form_seconds") < human).sum().alias("fast"),
            pl.col("form_seconds").median().alias("median_form"),
            pl.col("device").n_unique().alias("devices"),
            pl.col("ip_range").drop_nulls().unique().sort().head(10).alias("ip_ranges"),
            pl.col("email").drop_nulls().head(10).alias("emails"),  # earliest first
        )
    )


def _explain(stats: dict, main: dict, signals: list[dict], human: float) -> tuple[Sentence, ...]:  # type: ignore[type-arg]
    """The ten-second version for an officer, as catalog sentences (rendered at the edge)."""
    start, end, n = stats["start"], stats["end"], len(stats["registration_id"])
    same_day = start.date() == end.date()
    run = (fx.BURST_WITHIN_A_DAY if same_day else fx.BURST_OVER_DAYS)[main["signal"]]
    text = [
        fx.sentence(
            run,
            registrations=n,
            value=str(main["value"]),
            start=start,
            end=end,
            mean_gap=round(stats["mean_gap"], 1),
        )
    ]
    human_seconds = round(human)
    if stats["fast"]:
        text.append(
            fx.sentence(
                fx.BURST_FAST_FORMS,
                fast=stats["fast"],
                registrations=n,
                human_seconds=human_seconds,
            )
        )
    else:
        text.append(
            fx.sentence(fx.BURST_NO_FAST_FORMS, registrations=n, human_seconds=human_seconds)
        )
    order = list(fx.BURST_SIGNALS)
    others = sorted({s["signal"] for s in signals} - {main["signal"]}, key=order.index)
    if others:
        text.append(fx.sentence(fx.BURST_ALSO_LINKED, signals=others))
    return tuple(text)


def _finding(stats: dict, runs: list[dict], travelers: list, human: float) -> Finding:  # type: ignore[type-arg]
    ids = stats["registration_id"]
    order = {"device": 0, "ip_range": 1, "email_pattern": 2, "fast_forms": 3}
    # Largest run first, then a fixed order of signals and values: the same
    # input gives the same evidence whatever order the runs were found in.
    signals = sorted(
        ({"signal": r["signal"], "value": r["value"], "registrations": int(r["n"])} for r in runs),
        key=lambda s: (-s["registrations"], order[s["signal"]], str(s["value"])),
    )
    main = signals[0]
    text = _explain(stats, main, signals, human)
    surprises = [r["surprise"] for r in runs if r.get("surprise") is not None]
    return Finding(
        kind=REGISTRATION_BURST,
        key=stable_key(REGISTRATION_BURST, ids[0]),
        score=float(max(r["score"] for r in runs)),
        explanation=text,
        evidence={
            "registrations": len(ids),
            "start": stats["start"].isoformat(),
            "end": stats["end"].isoformat(),
            "mean_gap_seconds": round(stats["mean_gap"], 2),
            "fast_forms": stats["fast"],
            "median_form_seconds": stats["median_form"],
            "devices": stats["devices"],
            "ip_ranges": stats["ip_ranges"],
            "email_examples": stats["emails"],
            "signals": signals,
            "surprise": max(surprises) if surprises else None,
        },
        registration_ids=tuple(ids),
        travelers=tuple(sorted((str(r), int(p)) for r, p in travelers)),
        normalised_keys=tuple(sorted({f"{s['signal']}:{s['value']}" for s in signals})),
    )


def analyse_bursts(df: pl.DataFrame, config: BurstConfig | None = None) -> pl.DataFrame:
    """All runs of every signal, scored (flagged and not), for inspection and tuning."""
    config = config or BurstConfig()
    regs = registrations(df)
    scored = [score_runs(_runs(regs, s, config), config) for s in SIGNALS]
    return pl.concat([r for r in scored if r.height], how="diagonal_relaxed") if scored else regs


def find_bursts(df: pl.DataFrame, config: BurstConfig | None = None) -> list[Finding]:
    """Burst findings, highest score first.

    Args:
        df: An analysis frame; only ``NEEDED`` and ``OPTIONAL`` columns are read.
        config: Thresholds.

    Returns:
        One finding per burst; runs of different signals that share a
        registration are merged into one burst.
    """
    config = config or BurstConfig()
    regs = registrations(df)
    parts = [score_runs(_runs(regs, s, config), config) for s in SIGNALS]
    flagged = [p.filter("flagged") for p in parts if p.height]
    in_runs = (
        pl.concat([f.select(pl.col("registration_id").explode()) for f in flagged])
        if flagged
        else pl.DataFrame({"registration_id": []}, schema={"registration_id": pl.String})
    )
    rest = regs.join(in_runs.unique(), on="registration_id", how="anti")
    flagged.append(_fast_groups(rest, config))
    cols = ["signal", "value", "n", "registration_id", "score", "surprise", "fast_share"]
    runs = (
        pl.concat(
            [
                f.with_columns(pl.col("value").cast(pl.String)).select(
                    [c for c in cols if c in f.columns]
                )
                for f in flagged
                if f.height
            ],
            how="diagonal_relaxed",
        )
        if any(f.height for f in flagged)
        else None
    )
    if runs is None:
        return []
    labels = _merge(runs)
    stats = _burst_stats(labels, regs, config.human_form_seconds)
    run_burst = labels.group_by("run").agg(pl.col("burst").first())
    runs = runs.with_row_index("run").join(run_burst, on="run")
    runs_by_burst: dict[int, list[dict]] = {}  # type: ignore[type-arg]
    for r in runs.drop("registration_id").iter_rows(named=True):
        runs_by_burst.setdefault(r["burst"], []).append(r)
    trav = (
        guard(df, ("registration_id", "position"))
        .join(labels.select("registration_id", "burst").unique(), on="registration_id")
        .group_by("burst")
        .agg("registration_id", "position")
    )
    trav_by_burst = {b: list(zip(r, p, strict=True)) for b, r, p in trav.iter_rows()}
    findings = [
        _finding(
            st, runs_by_burst[st["burst"]], trav_by_burst[st["burst"]], config.human_form_seconds
        )
        for st in stats.iter_rows(named=True)
    ]
    return sorted(findings, key=lambda f: (-f.score, f.key))
