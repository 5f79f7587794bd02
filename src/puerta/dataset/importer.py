"""``puerta import``: load a data set into the store through a bulk path.

Rows are read in batches, grouped by registration (rows of one registration
are contiguous), validated with the API's rules (rowcheck.py), and written one
transaction per batch with Core executemany (SQLite) or COPY (PostgreSQL).
A registration with any bad row is rejected whole and its rows, with every
reason, go to the rejects file; nothing of it is written. Registrations and
appointments already in the store are skipped, so re-running is idempotent.
"""

from __future__ import annotations

import csv
import time as _time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from puerta import ids
from puerta.accounts.models import Role, User
from puerta.config import Settings
from puerta.confirmation.models import Appointment
from puerta.dataset import files, ports, rowcheck, schema
from puerta.db import Database
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest

IMPORT_EMAIL_DOMAIN = "import.puerta.invalid"
UNUSABLE_PASSWORD = "!import"  # noqa: S105 - never a valid argon2 hash: the account cannot sign in
_IN_CHUNK = 500


@dataclass
class ImportStats:
    rows_read: int = 0
    rows_loaded: int = 0
    registrations_loaded: int = 0
    registrations_skipped: int = 0
    registrations_rejected: int = 0
    rows_rejected: int = 0
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


class Rejects:
    """The rejects file: the rows as read, plus their reasons. Opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None
        self._writer: Any = None

    def write(self, row: dict[str, Any], reasons: Sequence[str]) -> None:
        if self._writer is None:
            self._fh = self.path.open("w", newline="")
            names = list(dict.fromkeys([*schema.REGISTRATIONS.names, *schema.APPOINTMENTS.names]))
            self._writer = csv.DictWriter(
                self._fh, [*names, "reject_reason"], extrasaction="ignore"
            )
            self._writer.writeheader()
        out = {k: _csv_value(v) for k, v in row.items()}
        out["reject_reason"] = " | ".join(reasons)
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


def _complete_batches(path: Path, stats: ImportStats) -> Iterator[pa.RecordBatch]:
    """Batches that end on a registration boundary (the tail waits for the next)."""
    carry: pa.Table | None = None
    for batch in files.iter_batches(path):
        stats.rows_read += batch.num_rows
        table = pa.Table.from_batches([batch])
        if carry is not None:
            table = pa.concat_tables([carry, table])
        ids_ = table.column("registration_id")
        last = ids_[len(ids_) - 1]
        cut = len(ids_)
        while cut > 0 and ids_[cut - 1] == last:
            cut -= 1
        if cut:
            yield table.slice(0, cut).combine_chunks().to_batches()[0]
        carry = table.slice(cut)
    if carry is not None and carry.num_rows:
        yield carry.combine_chunks().to_batches()[0]


def _checked_batches(
    path: Path, stats: ImportStats, max_travelers: int, workers: int
) -> Iterator[list[rowcheck.Checked]]:
    """Validated batches, in file order; validation runs in ``workers`` processes."""
    batches = _complete_batches(path, stats)
    if workers <= 1:
        for batch in batches:
            yield rowcheck.check_batch(batch, max_travelers)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        inflight: deque[Future[list[rowcheck.Checked]]] = deque()
        for batch in batches:
            inflight.append(pool.submit(rowcheck.check_batch, batch, max_travelers))
            if len(inflight) > workers + 1:
                yield inflight.popleft().result()
        while inflight:
            yield inflight.popleft().result()


def import_dataset(
    db: Database,
    path: Path | str,
    *,
    rejects: Path | str | None = None,
    batch_rows: int = 20_000,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> ImportStats:
    """Load ``path`` (a data-set directory or a registrations file) into ``db``."""
    settings = settings or Settings()
    path = Path(path)
    directory = path if path.is_dir() else path.parent
    reg_path = files.table_path(path, "registrations") if path.is_dir() else path
    if reg_path is None:
        raise FileNotFoundError(f"no registrations.parquet or registrations.csv in {path}")
    appt_path = files.table_path(directory, "appointments")
    rejects_path = Path(rejects) if rejects else directory / "rejects.csv"
    stats = ImportStats(rejects_path=rejects_path)
    started = _time.perf_counter()
    sink = Rejects(rejects_path)
    loader = _Loader(db, settings, stats, sink, derive_appointments=appt_path is None)
    try:
        with db.engine.begin() as conn:
            ports.ensure_ports(conn, settings)
        pending: list[rowcheck.Checked] = []
        pending_rows = 0
        for checked_batch in _checked_batches(reg_path, stats, settings.max_travelers, workers):
            for checked in checked_batch:
                if loader.accept(checked):
                    pending.append(checked)
                    pending_rows += len(checked.travelers)
            if pending_rows >= batch_rows:
                loader.flush(pending)
                pending, pending_rows = [], 0
                if progress:
                    progress(stats.rows_read)
        loader.flush(pending)
        if appt_path is not None:
            loader.load_appointments(appt_path)
    finally:
        sink.close()
    if progress:
        progress(stats.rows_read)
    _analyze(db)
    stats.seconds = _time.perf_counter() - started
    if not rejects_path.exists():
        stats.rejects_path = None
    return stats


@dataclass
class _Loader:
    db: Database
    settings: Settings
    stats: ImportStats
    sink: Rejects
    derive_appointments: bool
    seen: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    accounts: dict[str, int] = field(default_factory=dict)

    def accept(self, checked: rowcheck.Checked) -> bool:
        """Keep a checked registration, or reject it (to the sink) with its reasons."""
        rid = checked.registration_id
        if rid in self.seen:
            reason = "registration_id: its rows are not contiguous in the file"
            self._reject(checked.originals, {0: [reason]})
            return False
        self.seen.add(rid)
        if not checked.ok:
            self._reject(checked.originals, checked.reasons)
            return False
        return True

    def _reject(self, rows: Sequence[dict[str, Any]], reasons: dict[int, list[str]]) -> None:
        self.rejected.add(str(rows[0].get("registration_id") or ""))
        self.stats.registrations_rejected += 1
        self.stats.rows_rejected += len(rows)
        for pos, row in enumerate(rows):
            why = reasons.get(pos) or ["another row of this registration is invalid"]
            self.sink.write(row, why)

    def flush(self, batch: list[rowcheck.Checked]) -> None:
        if not batch:
            return
        with self.db.engine.begin() as conn:
            _no_generic_plans(conn)
            present = _existing(
                conn, Registration.__table__.c.id, [c.registration_id for c in batch]
            )
            todo = [c for c in batch if c.registration_id not in present]
            self.stats.registrations_skipped += len(batch) - len(todo)
            if not todo:
                return
            self._ensure_accounts(conn, todo)
            _write(conn, *self._rows(todo))
        self.stats.registrations_loaded += len(todo)
        self.stats.rows_loaded += sum(len(c.travelers) for c in todo)

    def _ensure_accounts(self, conn: Connection, todo: list[rowcheck.Checked]) -> None:
        first_seen: dict[str, datetime] = {}
        for c in todo:
            acc = c.level["account_id"]
            if acc not in self.accounts:
                at = c.level["created_at"]
                first_seen[acc] = min(at, first_seen.get(acc, at))
        if not first_seen:
            return
        users = User.__table__
        emails = {account_email(a): a for a in first_seen}
        found = _lookup(conn, users.c.email, users.c.id, list(emails))
        missing = [e for e in emails if e not in found]
        if missing:
            rows = [
                {
                    "email": e,
                    "password_hash": UNUSABLE_PASSWORD,
                    "role": Role.APPLICANT.value,
                    "language": "en",
                    "is_active": True,
                    "created_at": first_seen[emails[e]],
                }
                for e in missing
            ]
            _bulk_insert(conn, users, rows)
            self.stats.accounts_created += len(missing)
            found |= _lookup(conn, users.c.email, users.c.id, missing)
        for email, uid in found.items():
            self.accounts[emails[email]] = uid

    def _rows(self, todo: list[rowcheck.Checked]) -> tuple[list[dict[str, Any]], ...]:
        regs, travelers, requests, appts = [], [], [], []
        for c in todo:
            lv = c.level
            rid = c.registration_id
            regs.append(
                {
                    "id": rid,
                    "owner_id": self.accounts[lv["account_id"]],
                    "status": lv["registration_status"],
                    "created_at": lv["created_at"],
                    "updated_at": lv["created_at"],
                    "device_id": lv["device_id"],
                    "ip": lv["ip"],
                    "form_seconds": lv["form_seconds"],
                }
            )
            for pos, t in enumerate(c.travelers):
                travelers.append({"registration_id": rid, "position": pos, **t})
            requests += _requests(rid, lv)
            if self.derive_appointments and lv["appointment_port"]:
                appts.append(
                    {
                        "registration_id": rid,
                        "port_code": lv["appointment_port"],
                        "day": lv["appointment_date"],
                        "slot_start": lv["appointment_time"],
                        "seats": len(c.travelers),
                        "code": ids.random_code(10),
                        "status": "booked",
                        "created_at": max(
                            lv["created_at"], _utc(lv["appointment_date"]) - timedelta(days=1)
                        ),
                        "selection_id": None,
                    }
                )
        self.stats.appointments_loaded += len(appts)
        return regs, travelers, requests, appts

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
                codes = _existing(conn, Appointment.__table__.c.code, [g["code"] for g in good])
                known = _existing(
                    conn, Registration.__table__.c.id, [g["registration_id"] for g in good]
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
                    conn.execute(sa.insert(Appointment.__table__), fresh)
            self.stats.appointments_loaded += len(fresh)
            self.stats.appointments_rejected += len(bad)
            for row, why in bad:
                self.sink.write(
                    {**row, "appointment_code": row.get("appointment_code") or row.get("code")}, why
                )


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _requests(rid: str, lv: dict[str, Any]) -> list[dict[str, Any]]:
    port = lv["requested_port"]
    dates = lv["request_dates"]
    if not port or not dates:
        return []
    _, lat, lon = ports.PORT_PLACES[port]
    last_selected = lv["appointment_port"] is not None
    return [
        {
            "registration_id": rid,
            "pool_date": d,
            "port_code": port,
            "status": "selected" if last_selected and i == len(dates) - 1 else "not_selected",
            "latitude": lat,
            "longitude": lon,
            "created_at": max(lv["created_at"], _utc(d)),
            "device_id": lv["device_id"],
            "ip": lv["ip"],
        }
        for i, d in enumerate(dates)
    ]


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


def _existing(conn: Connection, column: sa.Column[Any], values: list[str]) -> set[str]:
    out: set[str] = set()
    for i in range(0, len(values), _IN_CHUNK):
        part = values[i : i + _IN_CHUNK]
        out.update(conn.execute(sa.select(column).where(column.in_(part))).scalars())
    return out


def _lookup(
    conn: Connection, key: sa.Column[Any], value: sa.Column[Any], keys: list[str]
) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(keys), _IN_CHUNK):
        part = keys[i : i + _IN_CHUNK]
        out.update(dict(conn.execute(sa.select(key, value).where(key.in_(part))).all()))  # type: ignore[arg-type]
    return out


def _write(
    conn: Connection, regs: list[Any], travelers: list[Any], requests: list[Any], appts: list[Any]
) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany elsewhere."""
    plan = [
        (Registration.__table__, regs),
        (Traveler.__table__, travelers),
        (AppointmentRequest.__table__, requests),
        (Appointment.__table__, appts),
    ]
    for table, given in plan:
        if not given:
            continue
        _bulk_insert(conn, table, given)


def _bulk_insert(conn: Connection, table: sa.Table, given: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL, DBAPI executemany on SQLite, Core executemany elsewhere."""
    rows = _with_defaults(table, given)
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    elif conn.dialect.name == "sqlite":
        _sqlite_insert(conn, table, rows)
    else:
        conn.execute(sa.insert(table), rows)


def _copy(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    raw = conn.connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _sqlite_value(value: Any) -> Any:
    """The text SQLAlchemy's SQLite dialect stores for dates and times (UTC, naive)."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="microseconds")
    return value


def _sqlite_insert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """executemany on the DBAPI cursor: SQLAlchemy's per-row processing costs more
    than SQLite's insert. Values are converted exactly as the dialect would."""
    columns = list(rows[0])
    # Table and column names come from our own models, never from the data.
    marks = ", ".join("?" * len(columns))
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({marks})'  # noqa: S608
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, [tuple(_sqlite_value(r[c]) for c in columns) for r in rows])
    finally:
        cursor.close()


def _no_generic_plans(conn: Connection) -> None:
    """psycopg prepares a statement after a few runs; a generic plan made while a
    table was nearly empty (a sequential scan) would then serve every lookup of a
    bulk load that grows it to millions of rows. Plan each lookup afresh."""
    if conn.dialect.name == "postgresql":
        conn.connection.driver_connection.prepare_threshold = None  # type: ignore[union-attr]


def _analyze(db: Database) -> None:
    """Fresh planner statistics after a bulk load, for whatever queries come next."""
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "ANALYZE users, registrations, travelers, appointment_requests, appointments"
                )
            )


def _with_defaults(table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill columns the data set does not carry with their model's scalar default:
    the bulk paths bypass the ORM, which would otherwise apply them."""
    extra = {
        c.name: c.default.arg  # type: ignore[union-attr]
        for c in table.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    return [{**r, **extra} for r in rows] if extra else rows
