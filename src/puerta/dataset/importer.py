"""``puerta import``: load a data set into the store through a bulk path.

Rows are read in batches of whole registrations (rows of one registration are
contiguous), validated with the API's rules column-wise (fastcheck.py, which
hands what it cannot prove valid to the exact per-row path of rowcheck.py), and
written by a second thread one transaction per batch with COPY (PostgreSQL) or
executemany (SQLite), built column-wise (bulkwrite.py).
A bad value in an optional column is blanked and the registration kept (unless
``strict``); each blanked value is a ``blanked`` line of the rejects file. A
registration with any other bad value is rejected whole and its rows, with every
reason, go to the rejects file as ``rejected`` lines; nothing of it is written. Registrations and
appointments already in the store are skipped, so re-running is idempotent.
"""

from __future__ import annotations

import csv
import multiprocessing
import queue
import threading
import time as _time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from puerta import clock as clocks
from puerta.accounts.models import Role
from puerta.clock import Clock, FrozenClock
from puerta.config import Settings
from puerta.dataset import bulkwrite, fastcheck, files, pgindexes, ports, rowcheck, schema
from puerta.db import Database

#: Tables whose planner statistics an import refreshes (PostgreSQL).
ANALYZED = ("travelers", "appointment_requests", "registrations", "users", "appointments")
#: PostgreSQL backends loading batches at once (SQLite has a single writer).
_WRITERS = 3
IMPORT_EMAIL_DOMAIN = "import.puerta.invalid"
UNUSABLE_PASSWORD = "!import"  # noqa: S105 - never a valid argon2 hash: the account cannot sign in


@dataclass
class ImportStats:
    rows_read: int = 0
    rows_loaded: int = 0
    registrations_loaded: int = 0
    registrations_skipped: int = 0
    registrations_rejected: int = 0
    rows_rejected: int = 0
    #: registrations kept with one or more optional values blanked, and those values
    registrations_blanked: int = 0
    values_blanked: int = 0
    accounts_created: int = 0
    appointments_loaded: int = 0
    appointments_skipped: int = 0
    appointments_rejected: int = 0
    seconds: float = 0.0
    rejects_path: Path | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0


def account_email(account_id: str) -> str:
    return f"{account_id}@{IMPORT_EMAIL_DOMAIN}"


#: The rejects file's ``action`` column: the registration was rejected whole, or
#: kept with this line's field blanked.
REJECTED, BLANKED = "rejected", "blanked"


class Rejects:
    """The rejects file: the rows as read, plus their reasons. Opened on first use.

    One line per rejected row (``action`` = ``rejected``, every reason of the row)
    and one per blanked value (``action`` = ``blanked``, that value's reason).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None
        self._writer: Any = None

    def write(self, row: dict[str, Any], reasons: Sequence[str], action: str = REJECTED) -> None:
        """``reasons`` are ``rowcheck.Reason`` values (``field: text``): their fields go in
        ``reject_field`` and their codes in ``reject_codes``, in the same order."""
        if self._writer is None:
            self._fh = self.path.open("w", newline="")
            names = list(dict.fromkeys([*schema.REGISTRATIONS.names, *schema.APPOINTMENTS.names]))
            self._writer = csv.DictWriter(
                self._fh,
                [*names, "action", "reject_field", "reject_reason", "reject_codes"],
                extrasaction="ignore",
            )
            self._writer.writeheader()
        out = {k: _csv_value(v) for k, v in row.items()}
        out["action"] = action
        out["reject_field"] = " | ".join(r.partition(": ")[0] for r in reasons)
        out["reject_reason"] = " | ".join(reasons)
        out["reject_codes"] = " ".join(getattr(r, "code", "import.format") for r in reasons)
        self._writer.writerow(out)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return files.LIST_SEPARATOR.join(
            getattr(v, "isoformat", lambda v=v: str(v))() for v in value
        )
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _complete_batches(path: Path, stats: ImportStats, rows: int) -> Iterator[pa.Table]:
    """Tables of about ``rows`` rows that end on a registration boundary (the tail
    waits for the next read)."""
    carry: pa.Table | None = None
    for batch in files.iter_batches(path, batch_size=rows):
        stats.rows_read += batch.num_rows
        table = pa.Table.from_batches([batch])
        if carry is not None:
            table = pa.concat_tables([carry, table.cast(carry.schema)])
        ids_ = table.column("registration_id")
        last = ids_[len(ids_) - 1]
        cut = len(ids_)
        while cut > 0 and ids_[cut - 1] == last:
            cut -= 1
        if cut:
            yield table.slice(0, cut).combine_chunks()
        carry = table.slice(cut)
    if carry is not None and carry.num_rows:
        yield carry.combine_chunks()


def import_dataset(
    db: Database,
    path: Path | str,
    *,
    rejects: Path | str | None = None,
    batch_rows: int = 20_000,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    clock: Clock | None = None,
    strict: bool = False,
) -> ImportStats:
    """Load ``path`` (a data-set directory or a registrations file) into ``db``.

    Validation runs in this thread, column-wise (``fastcheck``, with the exact
    per-row path for whatever it cannot prove valid), the traveler rules of new
    distinct values in ``workers`` processes when ``workers`` > 1; writing runs
    in other threads, one transaction per batch of about ``batch_rows`` rows, so
    that the database works while the next batch is validated. Dates of birth
    are checked against ``clock``'s date (default: the clock in effect), read
    once, so that one import has one "today" and cached verdicts hold for all of it.

    An invalid optional value (phone, email, address line 2, ZIP code, device,
    IP, ...: ``rowcheck.OPTIONAL``) is blanked and its registration kept, unless
    ``strict``: then any invalid value rejects the registration whole.
    """
    started = _time.perf_counter()
    one_day = FrozenClock((clock or clocks.current()).now())
    with clocks.in_effect(one_day), _validation_pool(workers) as pool:
        stats = _import(db, path, rejects, batch_rows, settings, progress, pool, workers, strict)
    stats.seconds = _time.perf_counter() - started
    return stats


@contextmanager
def _validation_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes, forked now, before this import starts any thread."""
    if workers <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        list(pool.map(fastcheck.worker_verdicts, ["sex"] * workers, [["F"]] * workers))
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def _import(
    db: Database,
    path: Path | str,
    rejects: Path | str | None,
    batch_rows: int,
    settings: Settings | None,
    progress: Callable[[int], None] | None,
    pool: ProcessPoolExecutor | None,
    workers: int,
    strict: bool,
) -> ImportStats:
    settings = settings or Settings()
    path = Path(path)
    directory = path if path.is_dir() else path.parent
    reg_path = files.table_path(path, "registrations") if path.is_dir() else path
    if reg_path is None:
        raise FileNotFoundError(f"no registrations.parquet or registrations.csv in {path}")
    appt_path = files.table_path(directory, "appointments")
    rejects_path = Path(rejects) if rejects else directory / "rejects.csv"
    stats = ImportStats(rejects_path=rejects_path)
    sink = Rejects(rejects_path)
    loader = _Loader(db, settings, stats, sink, appt_path is None, strict)
    checker = fastcheck.FastChecker(settings.max_travelers, pool, workers)
    try:
        with db.engine.begin() as conn:
            ports.insert_missing_ports(conn, settings)
        with pgindexes.built_after_load(db, analyze=ANALYZED) as first_load:
            with _Writer(loader.flush, _WRITERS if db.is_postgres else 1) as writer:
                for table in _complete_batches(reg_path, stats, batch_rows):
                    writer.put(loader.select(checker.check(table)))
                    if progress:
                        progress(stats.rows_read)
            if appt_path is not None:
                loader.load_appointments(appt_path)
    finally:
        sink.close()
    if not first_load:
        _analyze(db)
    if not rejects_path.exists():
        stats.rejects_path = None
    return stats


@dataclass
class _Valid:
    """A batch's valid registrations (one row each) and their travelers."""

    regs: pl.DataFrame
    travelers: pl.DataFrame


class _Writer:
    """Runs ``flush`` on each put batch in ``threads`` threads (each with its own
    connection, so PostgreSQL loads batches in parallel backends); re-raises errors."""

    def __init__(self, flush: Callable[[_Valid], None], threads: int) -> None:
        self._flush = flush
        self._queue: queue.Queue[_Valid | None] = queue.Queue(maxsize=threads + 1)
        self._error: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._run, name=f"puerta-import-writer-{i}")
            for i in range(threads)
        ]

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._flush(item)
                except BaseException as exc:  # handed to the main thread
                    self._error = exc

    def put(self, item: _Valid) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def __enter__(self) -> _Writer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        if self._error is not None and exc[0] is None:
            raise self._error


@dataclass
class _Loader:
    db: Database
    settings: Settings
    stats: ImportStats
    sink: Rejects
    derive_appointments: bool
    strict: bool
    seen: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    accounts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    accounts_lock: threading.Lock = field(default_factory=threading.Lock)

    def select(self, fast: fastcheck.FastBatch) -> _Valid:
        """The valid registrations of a checked batch; the others go to the rejects
        file with their reasons. Runs the fast path cannot prove valid are decided
        by the exact per-row path."""
        raw_ids = fast.table.column("registration_id").take(pa.array(fast.starts)).to_pylist()
        keep = np.zeros(len(raw_ids), bool)
        rescued: list[rowcheck.Checked] = []
        for run, raw in enumerate(raw_ids):
            rid = str(raw or "")
            if rid in self.seen:
                reason = "registration_id: its rows are not contiguous in the file"
                self._reject(fast.rows(run), {0: [reason]})
                continue
            self.seen.add(rid)
            if fast.run_ok[run]:
                keep[run] = True
                continue
            checked = rowcheck.check_registration(
                fast.rows(run), self.settings.max_travelers, strict=self.strict
            )
            if checked.ok:
                rescued.append(checked)
                self._blanked(checked)
            else:
                self._reject(checked.originals, checked.reasons)
        regs = fast.regs.filter(pl.Series(keep))
        travelers = (
            fast.travelers.filter(pl.Series(np.repeat(keep, fast.lengths)))
            if fast.travelers is not None
            else _traveler_frame([])
        )
        if rescued:
            regs = pl.concat([regs, _regs_frame(rescued, regs.schema)])
            travelers = pl.concat([travelers, _traveler_frame(rescued, travelers.schema)])
        return _Valid(regs, travelers)

    def _blanked(self, checked: rowcheck.Checked) -> None:
        """Record each optional value blanked to keep ``checked``'s registration."""
        if not checked.blanked:
            return
        self.stats.registrations_blanked += 1
        self.stats.values_blanked += len(checked.blanked)
        for pos, reason in checked.blanked:
            self.sink.write(checked.originals[pos], [reason], BLANKED)

    def _reject(self, rows: Sequence[dict[str, Any]], reasons: dict[int, list[str]]) -> None:
        self.rejected.add(str(rows[0].get("registration_id") or ""))
        self.stats.registrations_rejected += 1
        self.stats.rows_rejected += len(rows)
        for pos, row in enumerate(rows):
            why = reasons.get(pos) or [
                rowcheck.Reason.of(
                    "row", "import.other_row_invalid", "another row of this registration is invalid"
                )
            ]
            self.sink.write(row, why)

    def flush(self, valid: _Valid) -> None:
        """One transaction: every row of a registration, or none."""
        if valid.regs.height == 0:
            return
        regs, travelers = valid.regs, valid.travelers
        with self.accounts_lock:
            # Accounts first, one writer at a time and in their own transaction, so
            # that parallel writers never race to create one (an account alone is
            # not half a registration, and a re-run finds it).
            with self.db.engine.begin() as conn:
                _no_generic_plans(conn)
                self._ensure_accounts(conn, regs)
            owners = {a: self.accounts[a] for a in regs["account_id"].unique().to_list()}
        with self.db.engine.begin() as conn:
            _no_generic_plans(conn)
            present = bulkwrite.existing(
                conn, "registrations", "id", regs["registration_id"].to_list()
            )
            if present:
                regs = regs.filter(~pl.col("registration_id").is_in(list(present)))
                travelers = travelers.filter(~pl.col("registration_id").is_in(list(present)))
                with self.lock:
                    self.stats.registrations_skipped += len(present)
            if regs.height == 0:
                return
            appts = bulkwrite.derived_appointments(regs) if self.derive_appointments else None
            bulkwrite.write(conn, "registrations", bulkwrite.registrations(regs, owners))
            bulkwrite.write(conn, "travelers", bulkwrite.travelers(travelers))
            bulkwrite.write(conn, "appointment_requests", bulkwrite.requests(regs))
            if appts is not None:
                bulkwrite.write(conn, "appointments", appts)
        with self.lock:
            self.stats.appointments_loaded += appts.height if appts is not None else 0
            self.stats.registrations_loaded += regs.height
            self.stats.rows_loaded += travelers.height

    def _ensure_accounts(self, conn: Connection, regs: pl.DataFrame) -> None:
        fresh = (
            regs.filter(~pl.col("account_id").is_in(list(self.accounts)))
            .group_by("account_id")
            .agg(pl.col("created_at").min())
        )
        if fresh.height == 0:
            return
        emails = {account_email(a): a for a in fresh["account_id"].to_list()}
        rows = fresh.select(
            pl.concat_str(pl.col("account_id"), pl.lit(f"@{IMPORT_EMAIL_DOMAIN}")).alias("email"),
            pl.lit(UNUSABLE_PASSWORD).alias("password_hash"),
            pl.lit(Role.APPLICANT.value).alias("role"),
            pl.lit("en").alias("language"),
            pl.lit(True).alias("is_active"),
            pl.col("created_at"),
        )
        found, created = bulkwrite.ensure_users(conn, rows)
        with self.lock:
            self.stats.accounts_created += created
        for email, uid in found.items():
            self.accounts[emails[email]] = uid

    def load_appointments(self, path: Path) -> None:
        for batch in files.iter_batches(path):
            rows = batch.to_pylist()
            good, bad = [], []
            for row in rows:
                clean, why = _check_appointment(row)
                if why or str(row.get("registration_id")) in self.rejected:
                    bad.append((row, why or ["registration_id: its registration was rejected"]))
                else:
                    good.append(clean)
            with self.db.engine.begin() as conn:
                _no_generic_plans(conn)
                codes = bulkwrite.existing(conn, "appointments", "code", [g["code"] for g in good])
                known = bulkwrite.existing(
                    conn, "registrations", "id", [g["registration_id"] for g in good]
                )
                fresh = []
                for g in good:
                    if g["code"] in codes:
                        self.stats.appointments_skipped += 1
                    elif g["registration_id"] not in known:
                        bad.append((g, ["registration_id: no such registration in the store"]))
                    else:
                        fresh.append(g)
                if fresh:
                    bulkwrite.write(conn, "appointments", pl.DataFrame(fresh, schema=_APPT))
            self.stats.appointments_loaded += len(fresh)
            self.stats.appointments_rejected += len(bad)
            for row, why in bad:
                self.sink.write(
                    {**row, "appointment_code": row.get("appointment_code") or row.get("code")}, why
                )


def _regs_frame(checked: list[rowcheck.Checked], frame_schema: Any) -> pl.DataFrame:
    rows = [{**c.level, "n_travelers": len(c.travelers)} for c in checked]
    return pl.DataFrame(rows, schema=frame_schema)


def _traveler_frame(checked: list[rowcheck.Checked], frame_schema: Any = None) -> pl.DataFrame:
    rows = [
        {"registration_id": c.registration_id, "position": pos, **t}
        for c in checked
        for pos, t in enumerate(c.travelers)
    ]
    return pl.DataFrame(rows, schema=frame_schema or _TRAVELER_SCHEMA)


_TRAVELER_SCHEMA = {
    "registration_id": pl.String,
    "position": pl.Int32,
    **dict.fromkeys(schema.TRAVELER_FIELDS, pl.String),
    "date_of_birth": pl.Date,
}


def _check_appointment(row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    why: list[str] = []
    out: dict[str, Any] = {"selection_id": None}
    checks: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "appointment_code": ("code", lambda x: rowcheck._text(x, 16, True)),
        "registration_id": ("registration_id", lambda x: rowcheck._text(x, 24, True)),
        "port_code": ("port_code", lambda x: rowcheck._port(x) or rowcheck._text(None, 1, True)),
        "day": ("day", lambda x: rowcheck._date(x) or rowcheck._text(None, 1, True)),
        "slot_start": ("slot_start", lambda x: rowcheck._time(x) or rowcheck._text(None, 1, True)),
        "seats": ("seats", _seats),
        "status": ("status", _appointment_status),
        "created_at": ("created_at", rowcheck._datetime),
    }
    for column, (target, parse) in checks.items():
        try:
            out[target] = parse(row.get(column))
        except (ValueError, TypeError) as exc:
            why.append(f"{column}: {exc}")
    return out, why


def _seats(value: Any) -> int:
    seats = int(value)
    if seats < 1:
        raise ValueError("must be at least 1")
    return seats


def _appointment_status(value: Any) -> str:
    if value not in ("booked", "cancelled"):
        raise ValueError("must be booked or cancelled")
    return str(value)


def _no_generic_plans(conn: Connection) -> None:
    """psycopg prepares a statement after a few runs; a generic plan made while a
    table was nearly empty (a sequential scan) would then serve every lookup of a
    bulk load that grows it to millions of rows. Plan each lookup afresh."""
    if conn.dialect.name == "postgresql":
        conn.connection.driver_connection.prepare_threshold = None  # type: ignore[union-attr]


def _analyze(db: Database) -> None:
    """Fresh planner statistics after a bulk load, for whatever queries come next
    (one table per connection, at once)."""
    if not db.is_postgres:
        return

    def analyze(table: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(sa.text(f'ANALYZE "{table}"'))

    with ThreadPoolExecutor(max_workers=3) as pool:
        for future in [pool.submit(analyze, t) for t in ANALYZED]:
            future.result()


_APPT = {
    "selection_id": pl.Int64,
    "code": pl.String,
    "registration_id": pl.String,
    "port_code": pl.String,
    "day": pl.Date,
    "slot_start": pl.Time,
    "seats": pl.Int64,
    "status": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
}
