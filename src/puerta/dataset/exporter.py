"""``puerta export``: write the store out in the data-set format.

Registrations are read in pages by id (keyset pagination), with their
travelers, requests, owner and booked appointment, and written one chunk at a
time, so memory stays bounded whatever the store holds. The locations the
devices reported (each request, each confirmation attempt) go to
``locations``, for the trend analysis's location signals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from puerta.accounts.models import User
from puerta.confirmation.models import Appointment, LivenessCheck
from puerta.dataset import files, schema
from puerta.dataset.importer import IMPORT_EMAIL_DOMAIN
from puerta.db import Database
from puerta.draw.models import Selection
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest

PAGE = 5_000


def account_id(email: str, user_id: int) -> str:
    """The data set's account id: imported accounts keep theirs, others are ``U<id>``."""
    local, _, domain = email.partition("@")
    return local if domain == IMPORT_EMAIL_DOMAIN else f"U{user_id}"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def export_dataset(
    db: Database,
    out_dir: Path | str,
    *,
    fmt: files.Format = "parquet",
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write ``registrations``, ``appointments`` and ``locations`` of the store to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ext = "parquet" if fmt == "parquet" else "csv"
    regs_w = files.TableWriter(out / f"registrations.{ext}", schema.REGISTRATIONS, fmt)
    appt_w = files.TableWriter(out / f"appointments.{ext}", schema.APPOINTMENTS, fmt)
    loc_w = files.TableWriter(out / f"locations.{ext}", schema.LOCATIONS, fmt)
    with regs_w, appt_w, loc_w, db.engine.connect() as conn:
        last = ""
        while True:
            page = _page(conn, last)
            if not page:
                break
            last = page[-1]["id"]
            regs, appts = _tables(conn, page)
            regs_w.write(regs)
            appt_w.write(appts)
            loc_w.write(_locations(conn, [p["id"] for p in page]))
            if progress:
                progress(regs_w.rows)
    counts = {"registrations": regs_w.rows, "appointments": appt_w.rows, "locations": loc_w.rows}
    files.write_manifest(out, {"generator": "puerta-export", "format": fmt, "rows": counts})
    return counts


def _page(conn: Connection, after: str) -> list[dict[str, Any]]:
    r, u = Registration.__table__, User.__table__
    query = (
        sa.select(r, u.c.email.label("owner_email"))
        .join(u, u.c.id == r.c.owner_id)
        .where(r.c.id > after)
        .order_by(r.c.id)
        .limit(PAGE)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def _by_registration(
    conn: Connection, table: sa.Table, ids: list[str], order: Any
) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    query = (
        sa.select(table)
        .where(table.c.registration_id.in_(ids))
        .order_by(table.c.registration_id, order)
    )
    for row in conn.execute(query):
        out[row.registration_id].append(row)
    return out


def _tables(conn: Connection, page: list[dict[str, Any]]) -> tuple[pa.Table, pa.Table]:
    ids = [p["id"] for p in page]
    t, q, a = Traveler.__table__, AppointmentRequest.__table__, Appointment.__table__
    travelers = _by_registration(conn, t, ids, t.c.position)
    requests = _by_registration(conn, q, ids, q.c.pool_date)
    appointments = _by_registration(conn, a, ids, a.c.day)
    reg_cols: dict[str, list[Any]] = {n: [] for n in schema.REGISTRATIONS.names}
    appt_cols: dict[str, list[Any]] = {n: [] for n in schema.APPOINTMENTS.names}
    for reg in page:
        rid = reg["id"]
        reqs = requests.get(rid, [])
        appts = appointments.get(rid, [])
        booked = [x for x in appts if x.status == "booked"]
        appt = booked[-1] if booked else None
        level = {
            "registration_id": rid,
            "account_id": account_id(reg["owner_email"], reg["owner_id"]),
            "registration_status": reg["status"],
            "created_at": _utc(reg["created_at"]),
            "device_id": reg["device_id"],
            "ip": reg["ip"],
            "form_seconds": reg["form_seconds"],
            "requested_port": reqs[-1].port_code if reqs else None,
            "request_dates": sorted({_as_date(x.pool_date) for x in reqs}),
            "appointment_port": appt.port_code if appt else None,
            "appointment_date": _as_date(appt.day) if appt else None,
            "appointment_time": appt.slot_start if appt else None,
        }
        for tr in travelers.get(rid, []):
            row = {**level, "traveler_index": tr.position, "is_owner": tr.position == 0}
            for name in schema.TRAVELER_FIELDS:
                row[name] = getattr(tr, name)
            for name in reg_cols:
                reg_cols[name].append(row[name])
        for x in appts:
            values = {
                "appointment_code": x.code,
                "registration_id": rid,
                "port_code": x.port_code,
                "day": _as_date(x.day),
                "slot_start": x.slot_start,
                "seats": x.seats,
                "status": x.status,
                "created_at": _utc(x.created_at),
            }
            for name, value in values.items():
                appt_cols[name].append(value)
    return (
        pa.table(reg_cols, schema=schema.REGISTRATIONS),
        pa.table(appt_cols, schema=schema.APPOINTMENTS),
    )


def _locations(conn: Connection, ids: list[str]) -> pa.Table:
    """Every location reported for these registrations: requests, then confirmation attempts."""
    q, c, x = AppointmentRequest.__table__, LivenessCheck.__table__, Selection.__table__
    asked = sa.select(
        q.c.registration_id,
        sa.literal("request").label("stage"),
        q.c.created_at.label("reported_at"),
        q.c.latitude,
        q.c.longitude,
        q.c.accuracy_m,
        q.c.device_id,
    ).where(q.c.registration_id.in_(ids))
    confirmed = (
        sa.select(
            x.c.registration_id,
            sa.literal("confirmation").label("stage"),
            c.c.created_at.label("reported_at"),
            c.c.latitude,
            c.c.longitude,
            c.c.accuracy_m,
            c.c.device_id,
        )
        .join(x, x.c.id == c.c.selection_id)
        .where(x.c.registration_id.in_(ids))
    )
    cols: dict[str, list[Any]] = {n: [] for n in schema.LOCATIONS.names}
    rows = [*conn.execute(asked), *conn.execute(confirmed)]
    for row in sorted(rows, key=lambda r: (r.registration_id, _utc(r.reported_at), r.stage)):
        values = dict(row._mapping)
        values["reported_at"] = _utc(values["reported_at"]).replace(microsecond=0)
        for name in cols:
            cols[name].append(values[name])
    return pa.table(cols, schema=schema.LOCATIONS)


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value
