"""Benchmark: the daily draw in the service (``puerta draw run``) on PostgreSQL (issue 10).

Run: ``.venv/bin/python -m puerta.bench.service_draw [--requests N] [--keep] [--out FILE]``.

Target: a pool of 1,000,000 requests drawn, publication included, in under
2 minutes and 2 GB.

What it does:

1. Creates a fresh database ``puerta_bench_<hex>`` (the rush's
   :func:`~puerta.bench.rush.store.create_database`), builds the schema
   with :mod:`puerta.migrate` and the ports with
   :func:`~puerta.ports.service.ensure_ports`.
2. Fills it in bulk (``COPY``, :func:`puerta.dataset.bulkwrite.write`) with
   one pool date's N requests: a user, an active registration and its
   travelers per request, households holding several registrations as in
   :mod:`puerta.fairness.model` (their later registrations spell the names
   differently: :func:`puerta.bench.draw_bench.synthetic_pool`), a
   duplicate-person finding for every person seen more than once (what the
   trend analysis would have stored), ports drawn with
   ``Settings.port_shares``, and a few deferrals from the day before. The
   seed commitment is published before the window opened, as the scheduler
   does (:func:`puerta.draw.publication.commit`). Travelers have no photo:
   the draw never reads one.
3. Runs ``puerta draw run --date <pool date>`` (the venv's own command, a
   child process, ``PUERTA_DATABASE_URL`` pointing at the bench database)
   after the window closed: the pool date is yesterday's (New York), so the
   system clock finds the draw due. Measures its wall time and peak
   resident set size (``wait4``'s rusage of that child alone) and reads the
   service's own step timings from its output.
4. Checks the store: one selection per seated request, seats offered =
   the selections' seats = the ledgers' offered seats, within capacity, no
   true person seated twice, every pooled request given its public id and
   answered (selected or not selected), the records and Merkle root
   published, each offer's "selected" notice in the outbox once (saying
   Puerta is free), and the published draw verifies
   (:func:`puerta.draw.publication.verify_day`, what ``puerta draw verify``
   runs).
5. Drops the database unless ``--keep``.

Every wait is bounded: the child is killed after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import sqlalchemy as sa

from puerta import ids, migrate
from puerta.accounts import passwords
from puerta.accounts.models import Role
from puerta.bench.draw_bench import synthetic_pool
from puerta.bench.rush.store import ASK_FROM, create_database, drop_database
from puerta.clock import FrozenClock, SystemClock
from puerta.config import Settings
from puerta.dataset import bulkwrite, pgindexes
from puerta.db import Database
from puerta.draw import publication
from puerta.findings.value import DUPLICATE_PERSON
from puerta.i18n.translate import SOURCE_LOCALE, available_locales, render
from puerta.lifecycle import FindingStatus, RegistrationStatus, RequestStatus
from puerta.notify.messages import FREE
from puerta.ports import service as ports_service
from puerta.registration.schemas import TravelerIn
from puerta.requests.service import window_from

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
WALL_TARGET_S = 120.0
RSS_TARGET_MB = 2000.0
#: Country of birth and citizenship, language: one per household.
ORIGINS = (("MX", "es"), ("HN", "es"), ("VE", "es"), ("HT", "ht"), ("RU", "ru"), ("AM", "hy"))
#: Share of households deferred by yesterday's draw (a few dozen a day at 1,450 seats).
DEFERRED_SHARE = 0.0001
VALIDATED_SAMPLE = 2_000
LOADED = (
    "users",
    "registrations",
    "travelers",
    "appointment_requests",
    "findings",
    "finding_travelers",
    "draw_deferrals",
)


@dataclass
class Pool:
    """What the check needs to know of the store it built."""

    pool_date: date
    requests: int
    travelers: int
    findings: int
    deferrals: int
    #: Per request (by database id - 1): the true persons of its travelers.
    person: np.ndarray
    first_row: np.ndarray
    rows: np.ndarray
    seconds: dict[str, float] = field(default_factory=dict)


def _codes(rng: np.random.Generator, n: int, prefix: str) -> list[str]:
    """``n`` random ids like :func:`puerta.ids.new_id` (16 Crockford base32 characters)."""
    alphabet = np.array(list(ids.ALPHABET), dtype="<U1")
    chars = alphabet[rng.integers(0, len(ids.ALPHABET), size=(n, 16))]
    return [prefix + s for s in np.ascontiguousarray(chars).view("<U16").ravel().tolist()]


def _validate_sample(travelers: pl.DataFrame, extra: dict[str, Any]) -> None:
    """A sample of the traveler rows passes the API's own validation."""
    step = max(1, travelers.height // VALIDATED_SAMPLE)
    fields = ("given_names", "family_names", "date_of_birth", "sex")
    for row in travelers.gather_every(step).select(*fields, "country_of_birth").iter_rows():
        given, family, born, sex, country = row
        TravelerIn(
            given_names=given,
            family_names=family,
            date_of_birth=born,
            sex=sex,
            country_of_birth=country,
            citizenship=country,
            **extra,
        )


def build(url: str, *, requests: int, settings: Settings, seed: int = 1) -> Pool:
    """Migrate ``url`` and fill it with one pool date's ``requests`` requests, committed."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    migrate.upgrade(url)
    seconds["migrate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    window = window_from(settings)
    now = SystemClock().now()
    pool_date = (now - timedelta(days=1)).astimezone(window.zone).date()
    opens = publication.window_opens_at(window, pool_date).astimezone(UTC)
    closes = window.closes_at(pool_date).astimezone(UTC)
    reqs, travelers, labels = synthetic_pool(
        requests, seed, port_shares=settings.port_shares, with_person=True
    )
    rng = np.random.default_rng(seed + 1)
    n = reqs.height
    # Database ids: households' registrations are not neighbours in the table.
    db_id = rng.permutation(n).astype(np.int64) + 1
    reg_ids = _codes(rng, n, "R")
    # Registered 1 to 180 days before the window opened, as the pool's seniority says.
    registered = reqs["registered_at"].to_numpy().astype("datetime64[D]")
    age_days = (np.datetime64("2023-06-01", "D") - registered).astype(np.int64)
    made = (
        np.datetime64(opens.replace(tzinfo=None), "us")
        - (age_days + 1) * np.timedelta64(86_400_000_000, "us")
        - rng.integers(0, 86_400, size=n) * np.timedelta64(1_000_000, "us")
    )
    window_s = int((closes - opens).total_seconds())
    origin = rng.integers(0, len(ORIGINS), size=n)
    regs = pl.DataFrame(
        {
            "i": np.arange(n),
            "id": reg_ids,
            "owner_id": db_id,
            "port_code": reqs["port_code"],
            "created_at": pl.Series(made, dtype=pl.Datetime("us")),
            "asked_s": rng.integers(0, window_s, size=n),
            "form_seconds": (300 + rng.integers(0, 600, size=n)).astype(np.float64),
            "country": np.array([c for c, _ in ORIGINS])[origin],
            "language": np.array([lang for _, lang in ORIGINS])[origin],
            "db_id": db_id,
        }
    )
    users = regs.select(
        pl.col("owner_id").alias("id"),
        pl.format("draw{}@bench.puerta.test", "owner_id").alias("email"),
        pl.lit(passwords.hash_password(secrets.token_urlsafe(16))).alias("password_hash"),
        pl.lit(Role.APPLICANT.value).alias("role"),
        pl.col("language"),
        (pl.col("created_at") - pl.duration(hours=1)).alias("created_at"),
        (pl.col("created_at") - pl.duration(minutes=57)).alias("email_verified_at"),
        pl.lit(True).alias("is_active"),
    )
    registrations = regs.select(
        "id",
        "owner_id",
        pl.lit(RegistrationStatus.ACTIVE.value).alias("status"),
        "created_at",
        pl.col("created_at").alias("updated_at"),
        pl.format("draw-device-{}", "owner_id").alias("device_id"),
        "form_seconds",
    )
    lat = {k: v[0] for k, v in ASK_FROM.items()}
    lon = {k: v[1] for k, v in ASK_FROM.items()}
    asks = regs.select(
        pl.col("db_id").alias("id"),
        pl.col("id").alias("registration_id"),
        pl.lit(pool_date).alias("pool_date"),
        "port_code",
        pl.lit(RequestStatus.POOLED.value).alias("status"),
        pl.col("port_code").replace_strict(lat, return_dtype=pl.Float64).alias("latitude"),
        pl.col("port_code").replace_strict(lon, return_dtype=pl.Float64).alias("longitude"),
        (pl.lit(opens.replace(tzinfo=None)) + pl.duration(seconds="asked_s")).alias("created_at"),
        pl.format("draw-device-{}", "owner_id").alias("device_id"),
        pl.lit(False).alias("priority"),
    ).sort("id")  # stored in id order, as requests arriving through the window are
    trav = travelers.join(
        regs.select(
            pl.col("i").alias("request_id"),
            pl.col("id").alias("registration_id"),
            "db_id",
            pl.col("country").alias("country_of_birth"),
            "language",
        ),
        on="request_id",
    ).with_columns(
        position=pl.col("traveler_id") - pl.col("traveler_id").min().over("request_id"),
        id=pl.col("traveler_id") + 1,
    )
    extra = {
        "language": "es",
        "address_line1": "100 Elm Street",
        "city": "Houston",
        "state": "TX",
        "zip_code": "77002",
    }
    _validate_sample(trav, extra)
    traveler_rows = trav.select(
        "id",
        "registration_id",
        "position",
        "given_names",
        "family_names",
        "date_of_birth",
        "sex",
        "country_of_birth",
        pl.col("country_of_birth").alias("citizenship"),
        "language",
        pl.format("{} Elm Street", 100 + pl.col("id") % 9000).alias("address_line1"),
        pl.lit("Houston").alias("city"),
        pl.lit("TX").alias("state"),
        pl.lit("77002").alias("zip_code"),
    )
    # A duplicate-person finding for every person seen in more than one registration.
    labelled = labels.join(
        trav.select("traveler_id", "id", "registration_id", "position"), on="traveler_id"
    ).with_columns(finding_id=pl.col("identity").rank("dense").cast(pl.Int64))
    stamp = pl.lit(opens.replace(tzinfo=None) - timedelta(hours=12))
    findings = (
        labelled.select("finding_id")
        .unique()
        .sort("finding_id")
        .select(
            pl.col("finding_id").alias("id"),
            pl.format("bench-duplicate-{}", "finding_id").alias("key"),
            pl.lit(DUPLICATE_PERSON).alias("kind"),
            pl.lit(0.97).alias("score"),
            pl.lit("[]").alias("explanation"),
            pl.lit("{}").alias("evidence"),
            pl.lit("[]").alias("normalised_keys"),
            pl.lit(True).alias("flagged"),
            pl.lit(FindingStatus.NEW.value).alias("status"),
            stamp.alias("first_seen_at"),
            stamp.alias("last_seen_at"),
            stamp.alias("updated_at"),
        )
    )
    finding_travelers = labelled.select(
        "finding_id", "registration_id", "position", pl.col("id").alias("traveler_id")
    )
    picked = np.zeros(n, dtype=bool)
    picked[rng.choice(n, size=max(1, round(n * DEFERRED_SHARE)), replace=False)] = True
    deferred = regs.filter(pl.Series(picked)).select(
        pl.col("id").alias("registration_id"),
        "port_code",
        pl.lit(pool_date - timedelta(days=1)).alias("deferred_on"),
        pl.format("bench-deferred-{}", "db_id").alias("entrant_id"),
    )
    seconds["generate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    db = Database(url)
    try:
        with db.session() as s:
            ports_service.ensure_ports(s, settings)
        # Indexes built and foreign keys checked once, after the load (as the importer does).
        with pgindexes.built_after_load(db, LOADED), db.engine.begin() as conn:
            for table, frame in (
                ("users", users),
                ("registrations", registrations),
                ("travelers", traveler_rows),
                ("appointment_requests", asks),
                ("findings", findings),
                ("finding_travelers", finding_travelers),
                ("draw_deferrals", deferred),
            ):
                bulkwrite.write(conn, table, frame)
            for table in ("users", "travelers", "appointment_requests", "findings"):
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        seconds["copy"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        seconds["analyze"] = time.perf_counter() - t0
        with db.session() as s:  # before the window opened, as the scheduler does
            publication.commit(
                s,
                pool_date=pool_date,
                settings=settings,
                clock=FrozenClock(opens - timedelta(minutes=5)),
            )
    finally:
        db.engine.dispose()
    # The true persons of each request's travelers, by request database id.
    order = trav.select("db_id", "person").sort("db_id", maintain_order=True)
    rows = np.bincount(order["db_id"].to_numpy(), minlength=n + 1)[1:]
    first_row = np.concatenate([[0], np.cumsum(rows)[:-1]])
    return Pool(
        pool_date=pool_date,
        requests=n,
        travelers=traveler_rows.height,
        findings=findings.height,
        deferrals=deferred.height,
        person=order["person"].to_numpy(),
        first_row=first_row,
        rows=rows,
        seconds=seconds,
    )


def puerta_command() -> list[str]:
    """The ``puerta`` of this interpreter's environment (the venv's), else ``-m``."""
    exe = Path(sys.executable).with_name("puerta")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "puerta.cli.main"]


#: Runs the command as its own child and reports that child's rusage. Why a
#: launcher: ``ru_maxrss`` keeps the high-water mark of the memory a process had
#: before ``exec``, and a child forked from this benchmark (which holds the
#: synthetic pool, over a gigabyte) would report this process's size, not its own.
LAUNCHER = """
import json, os, signal, sys, time
argv, timeout, report = json.loads(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    os.execvp(argv[0], argv)
deadline, timed_out = t0 + timeout, False
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    if time.perf_counter() > deadline:
        timed_out = True
        os.killpg(pid, signal.SIGKILL)
        done, status, usage = os.wait4(pid, 0)
        break
    time.sleep(0.02)
wall = time.perf_counter() - t0
with open(report, "w") as f:
    json.dump({"wall_s": wall, "status": os.waitstatus_to_exitcode(status),
               "timed_out": timed_out, "maxrss_kb": usage.ru_maxrss,
               "user_s": usage.ru_utime, "system_s": usage.ru_stime}, f)
"""


@dataclass
class ChildRun:
    argv: list[str]
    returncode: int | None
    wall_s: float
    max_rss_mb: float
    user_s: float
    system_s: float
    stdout: str
    stderr: str
    timed_out: bool


def run_child(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> ChildRun:
    """Run ``argv`` (through :data:`LAUNCHER`): its wall time and its own rusage.

    Killed after ``timeout`` seconds (its process group), so the run is bounded.
    """
    out, err, report = cwd / "stdout.txt", cwd / "stderr.txt", cwd / "rusage.json"
    with out.open("wb") as fo, err.open("wb") as fe:
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", LAUNCHER, json.dumps(argv), str(timeout), str(report)],
            env=env,
            cwd=cwd,
            stdout=fo,
            stderr=fe,
            check=False,
            timeout=timeout + 60,
        )
    got = json.loads(report.read_text())
    scale = 1 if sys.platform == "darwin" else 1024
    return ChildRun(
        argv=argv,
        returncode=None if got["timed_out"] else got["status"],
        wall_s=got["wall_s"],
        max_rss_mb=got["maxrss_kb"] * scale / 1e6,
        user_s=got["user_s"],
        system_s=got["system_s"],
        stdout=out.read_text(errors="replace"),
        stderr=err.read_text(errors="replace"),
        timed_out=got["timed_out"],
    )


_STEP = re.compile(r"([a-z][a-z ]*[a-z]) ([0-9.]+) s")


def service_steps(stdout: str) -> dict[str, float]:
    """The step timings ``puerta draw run`` prints (``timings: load 1.2 s, ...``)."""
    for line in stdout.splitlines():
        if line.startswith("timings:"):
            return {k: float(v) for k, v in _STEP.findall(line.removeprefix("timings:"))}
    return {}


def check(url: str, pool: Pool) -> dict[str, Any]:
    """The store after the draw: offers, persons, answers, publication, verification."""
    db = Database(url)
    out: dict[str, Any] = {}
    try:
        with db.engine.connect() as conn:
            q = lambda sql, **kw: conn.execute(sa.text(sql), kw)  # noqa: E731
            d = q(
                "SELECT id, pool_size, seats_offered, appointment_date, warnings "
                "FROM draws WHERE pool_date = :d",
                d=pool.pool_date,
            ).one()
            sel = q(
                "SELECT s.request_id, s.seats, s.port_code FROM selections s WHERE s.draw_id = :i",
                i=d.id,
            ).all()
            ledger = dict(
                q(
                    "SELECT port_code, offered FROM port_days WHERE day = :a",
                    a=d.appointment_date,
                ).all()
            )
            capacity = dict(
                q(
                    "SELECT port_code, capacity FROM port_days WHERE day = :a",
                    a=d.appointment_date,
                ).all()
            )
            statuses = dict(
                q(
                    "SELECT status, count(*) FROM appointment_requests "
                    "WHERE pool_date = :d GROUP BY status",
                    d=pool.pool_date,
                ).all()
            )
            no_public_id = q(
                "SELECT count(*) FROM appointment_requests "
                "WHERE pool_date = :d AND public_id IS NULL",
                d=pool.pool_date,
            ).scalar_one()
            reviews = q(
                "SELECT count(*) FROM draw_reviews WHERE pool_date = :d", d=pool.pool_date
            ).scalar_one()
            commitment = q(
                "SELECT pool_root, pool_size, json_array_length(records) AS n, "
                "committed_at < window_opens_at AS on_time "
                "FROM draw_commitments WHERE pool_date = :d",
                d=pool.pool_date,
            ).one()
            deferrals_used = q(
                "SELECT count(*) FROM draw_deferrals WHERE used_on = :d", d=pool.pool_date
            ).scalar_one()
            told = _told(q, d.id)
        seat_sum = sum(s.seats for s in sel)
        seated: list[int] = []
        seats_of = {s.request_id: s.seats for s in sel}
        for rid in seats_of:
            i = rid - 1
            seated.extend(
                np.unique(pool.person[pool.first_row[i] : pool.first_row[i] + pool.rows[i]])
            )
        persons_twice = len(seated) - len(set(seated))
        t0 = time.perf_counter()
        with db.session() as s:
            report = publication.verify_day(s, pool.pool_date)
        verify_s = time.perf_counter() - t0
    finally:
        db.engine.dispose()
    checks = {
        "one draw, pool size = requests": d.pool_size == pool.requests,
        "seats offered = selections' seats": d.seats_offered == seat_sum,
        "seats offered = ledgers' offered": sum(ledger.values()) == seat_sum,
        "within each port's capacity": all(ledger[p] <= capacity[p] for p in ledger),
        "offers made": len(sel) > 0,
        "no person seated twice": persons_twice == 0,
        "every request answered": statuses.get(RequestStatus.POOLED.value, 0) == 0
        and statuses.get(RequestStatus.SELECTED.value, 0) == len(sel)
        and sum(statuses.values()) == pool.requests,
        "every request has its public id": no_public_id == 0,
        "records and root published": commitment.pool_root is not None
        and commitment.n == pool.requests
        and commitment.pool_size == pool.requests,
        "commitment before the window opened": bool(commitment.on_time) and not d.warnings,
        "duplicates listed for review": reviews > 0,
        "yesterday's deferrals given priority": deferrals_used == pool.deferrals,
        "published draw verifies": report.ok,
        "each offer told once, saying Puerta is free": told[0] == told[1] == told[2] == len(sel),
    }
    out.update(
        {
            "ok": all(checks.values()),
            "checks": checks,
            "selections": len(sel),
            "seats_offered": d.seats_offered,
            "capacity": sum(capacity.values()),
            "requests_by_status": statuses,
            "reviews": reviews,
            "deferrals_used": deferrals_used,
            "selected_notices": told[0],
            "persons_seated_twice": persons_twice,
            "verify": {"checks": report.checks, "problems": report.problems[:10]},
            "verify_s": round(verify_s, 2),
        }
    )
    return out


def _told(q: Any, draw_id: int) -> tuple[int, int, int]:
    """The draw's "selected" notices: how many, for how many offers, and how many end with
    the sentence that Puerta is free, in whichever language the person reads."""
    free = {render(FREE, locale=locale) for locale in (SOURCE_LOCALE, *available_locales())}
    rows = q(
        "SELECT o.selection_id, o.body FROM outbox o JOIN selections s ON s.id = o.selection_id "
        "WHERE s.draw_id = :i AND o.kind = 'selected'",
        i=draw_id,
    ).all()
    saying = sum(1 for _, body in rows if any(body.endswith(f) for f in free))
    return len(rows), len({sid for sid, _ in rows}), saying


def _clip(text: str, keep: int = 2000) -> str:
    """The head and tail of a long output (an error's first lines say what it is)."""
    if len(text) <= 2 * keep:
        return text
    return f"{text[:keep]}\n[... {len(text) - 2 * keep:,} characters ...]\n{text[-keep:]}"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=ADMIN_URL,
        help="admin URL; the benchmark creates and drops puerta_bench_<hex> there",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build the store, keep it and stop before the draw (for profiling)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--timeout", type=float, default=900.0, help="kill the draw after this")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    results: dict[str, Any] = {
        "argv": list(sys.argv[1:] if argv is None else argv),
        "requests": args.requests,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_at_start": _load(),
        "started_at": SystemClock().now().isoformat(timespec="seconds"),
    }
    name, url = create_database(args.database_url)
    results["database"] = name
    print(f"database {name}; load average {_load()}", flush=True)
    code = 1
    try:
        with tempfile.TemporaryDirectory(prefix="puerta-draw-bench-") as tmp:
            work = Path(tmp)
            env = dict(os.environ) | {
                "PUERTA_DATABASE_URL": url,
                "PUERTA_DATA_DIR": str(work / "var"),
                "PUERTA_SECRET_KEY": secrets.token_hex(16),
            }
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=url,
                data_dir=work / "var",
                secret_key=env["PUERTA_SECRET_KEY"],
            )
            t0 = time.perf_counter()
            pool = build(url, requests=args.requests, settings=settings, seed=args.seed)
            results["store"] = {
                "pool_date": pool.pool_date.isoformat(),
                "requests": pool.requests,
                "travelers": pool.travelers,
                "duplicate_person_findings": pool.findings,
                "open_deferrals": pool.deferrals,
                "seconds": {k: round(v, 2) for k, v in pool.seconds.items()},
                "wall_s": round(time.perf_counter() - t0, 2),
            }
            print(
                f"store: {pool.requests:,} requests, {pool.travelers:,} travelers, "
                f"{pool.findings:,} duplicate-person findings, {pool.deferrals} deferrals, "
                f"pool date {pool.pool_date}; built in {results['store']['wall_s']:.1f} s "
                f"({', '.join(f'{k} {v:.1f} s' for k, v in pool.seconds.items())}); "
                f"load average {_load()}",
                flush=True,
            )
            if args.build_only:
                args.keep = True
                return 0
            results["load_before_draw"] = _load()
            argv_draw = [*puerta_command(), "draw", "run", "--date", pool.pool_date.isoformat()]
            child = run_child(argv_draw, env, work, args.timeout)
            results["load_after_draw"] = _load()
            passed = {
                "wall < 2 min": child.returncode == 0 and child.wall_s < WALL_TARGET_S,
                "peak RSS < 2 GB": child.returncode == 0 and child.max_rss_mb < RSS_TARGET_MB,
            }
            results["draw"] = {
                "command": " ".join(argv_draw),
                "returncode": child.returncode,
                "timed_out": child.timed_out,
                "wall_s": round(child.wall_s, 2),
                "user_s": round(child.user_s, 2),
                "system_s": round(child.system_s, 2),
                "max_rss_mb": round(child.max_rss_mb, 1),
                "steps_s": service_steps(child.stdout),
                "stdout": _clip(child.stdout),
                "stderr": _clip(child.stderr),
                "targets": passed,
            }
            print(child.stdout.rstrip())
            if child.returncode != 0:
                print(_clip(child.stderr).rstrip(), file=sys.stderr)
            print(
                f"puerta draw run: {child.wall_s:.1f} s wall (CPU {child.user_s:.1f} s user + "
                f"{child.system_s:.1f} s system), peak RSS {child.max_rss_mb:,.0f} MB, "
                f"exit {child.returncode}; load average {results['load_after_draw']}",
                flush=True,
            )
            for target, ok in passed.items():
                print(f"  {'PASS' if ok else 'FAIL'}  {target}")
            if child.returncode == 0:
                results["check"] = check(url, pool)
                for what, ok in results["check"]["checks"].items():
                    print(f"  {'ok  ' if ok else 'FAIL'}  {what}")
                c = results["check"]
                print(
                    f"{c['selections']:,} offers, {c['seats_offered']:,} seats of "
                    f"{c['capacity']:,}; {c['reviews']:,} requests listed for review; "
                    f"{c['deferrals_used']} deferrals used; verified in {c['verify_s']:.1f} s"
                )
                code = 0 if c["ok"] and all(passed.values()) else 1
    finally:
        results["load_at_end"] = _load()
        if args.keep:
            print(f"kept database {name}: PUERTA_DATABASE_URL={url}")
        else:
            drop_database(args.database_url, name)
        print(f"load average at end {results['load_at_end']}")
        if args.out is not None:
            args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
