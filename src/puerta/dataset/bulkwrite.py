"""The store's rows for a batch of valid registrations, built column-wise, and bulk writes.

Everything here works on Polars frames: no per-row Python dicts. PostgreSQL
gets one ``COPY ... (FORMAT csv)`` per table with the text formatted by Polars;
SQLite gets DBAPI ``executemany`` with values in the very text form
SQLAlchemy's SQLite dialect stores (UTC, naive, microseconds).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from puerta import ids
from puerta.dataset.schema import TRAVELER_FIELDS
from puerta.ports import catalogue

_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"
_TIME = "%H:%M:%S%.6f"
_LAT = {p.code: p.latitude for p in catalogue.PORTS}
_LON = {p.code: p.longitude for p in catalogue.PORTS}


def registrations(regs: pl.DataFrame, owners: dict[str, int]) -> pl.DataFrame:
    return regs.select(
        pl.col("registration_id").alias("id"),
        pl.col("account_id").replace_strict(owners, return_dtype=pl.Int64).alias("owner_id"),
        pl.col("registration_status").alias("status"),
        pl.col("created_at"),
        pl.col("created_at").alias("updated_at"),
        pl.col("device_id"),
        pl.col("ip"),
        pl.col("form_seconds"),
    )


def travelers(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select("registration_id", "position", *TRAVELER_FIELDS)


def requests(regs: pl.DataFrame) -> pl.DataFrame:
    """One row per request date, at ``requested_port``; the last is ``selected``
    when the registration has an appointment."""
    n = pl.col("request_dates").list.len()
    exploded = (
        regs.filter(pl.col("requested_port").is_not_null() & (n > 0))
        .with_columns(_i=pl.int_ranges(0, n), _n=n)
        .explode("request_dates", "_i")
    )
    day = pl.col("request_dates").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return exploded.select(
        pl.col("registration_id"),
        pl.col("request_dates").alias("pool_date"),
        pl.col("requested_port").alias("port_code"),
        pl.when(pl.col("appointment_port").is_not_null() & (pl.col("_i") == pl.col("_n") - 1))
        .then(pl.lit("selected"))
        .otherwise(pl.lit("not_selected"))
        .alias("status"),
        pl.col("requested_port").replace_strict(_LAT, return_dtype=pl.Float64).alias("latitude"),
        pl.col("requested_port").replace_strict(_LON, return_dtype=pl.Float64).alias("longitude"),
        pl.max_horizontal(pl.col("created_at"), day).alias("created_at"),
        pl.col("device_id"),
        pl.col("ip"),
        pl.lit(False).alias("priority"),
    )


def derived_appointments(regs: pl.DataFrame) -> pl.DataFrame:
    """The booked appointment of each registration, from its appointment columns."""
    booked = regs.filter(pl.col("appointment_port").is_not_null())
    codes = [ids.random_code(10) for _ in range(booked.height)]
    eve = pl.col("appointment_date").cast(pl.Datetime("us")).dt.replace_time_zone(
        "UTC"
    ) - timedelta(days=1)
    return booked.select(
        pl.col("registration_id"),
        pl.col("appointment_port").alias("port_code"),
        pl.col("appointment_date").alias("day"),
        pl.col("appointment_time").alias("slot_start"),
        pl.col("n_travelers").alias("seats"),
        pl.Series("code", codes, dtype=pl.String),
        pl.lit("booked").alias("status"),
        pl.max_horizontal(pl.col("created_at"), eve).alias("created_at"),
    )


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates and times as the text both backends take (timestamps in UTC, naive)."""
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            col = col.dt.strftime(_DATETIME)
        elif dtype == pl.Date:
            col = col.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Time:
            col = col.dt.strftime(_TIME)
        out.append(col.alias(name))
    return frame.select(out)


def write(conn: Connection, table: str, frame: pl.DataFrame) -> None:
    """Bulk insert ``frame`` (columns named as the table's) into ``table``."""
    if frame.height == 0:
        return
    text = _as_text(frame)
    # Table and column names come from our own code, never from the data.
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        buf = io.BytesIO()
        text.write_csv(buf, include_header=False, quote_style="non_numeric")
        with raw.cursor() as cur:
            sql = f'COPY "{table}" ({columns}) FROM STDIN (FORMAT csv)'
            with cur.copy(sql) as copy:
                copy.write(buf.getbuffer())
    elif conn.dialect.name == "sqlite":
        marks = ", ".join("?" * frame.width)
        cursor = raw.cursor()
        try:
            cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', text.rows())  # noqa: S608
        finally:
            cursor.close()
    else:
        conn.execute(
            sa.table(table, *(sa.column(c) for c in frame.columns)).insert(), text.to_dicts()
        )


def existing(conn: Connection, table: str, column: str, values: Iterable[str]) -> set[str]:
    """Which of ``values`` are already in ``table.column``."""
    values = list(values)
    if not values:
        return set()
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur:
            cur.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" = ANY(%s)', (values,))  # noqa: S608
            return {r[0] for r in cur.fetchall()}
    out: set[str] = set()
    col = sa.column(column)
    for i in range(0, len(values), 500):
        part = values[i : i + 500]
        query = sa.select(col).select_from(sa.table(table)).where(col.in_(part))
        out.update(conn.execute(query).scalars())
    return out


def lookup(conn: Connection, table: str, key: str, value: str, keys: list[str]) -> dict[str, int]:
    """``{key: value}`` for the rows of ``table`` whose ``key`` is in ``keys``."""
    if not keys:
        return {}
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur:
            sql = f'SELECT "{key}", "{value}" FROM "{table}" WHERE "{key}" = ANY(%s)'  # noqa: S608
            cur.execute(sql, (keys,))
            return dict(cur.fetchall())
    out: dict[str, int] = {}
    k, v = sa.column(key), sa.column(value)
    for i in range(0, len(keys), 500):
        part = keys[i : i + 500]
        out.update(
            dict(
                conn.execute(sa.select(k, v).select_from(sa.table(table)).where(k.in_(part))).all()
            )
        )  # type: ignore[arg-type]
    return out


def ensure_users(conn: Connection, users: pl.DataFrame) -> tuple[dict[str, int], int]:
    """Create the ``users`` rows whose email is not in the store yet.

    Returns ``{email: id}`` for every row (new or already there) and how many
    were created. The caller serialises calls (no two at once create the same
    email). PostgreSQL does it in one round trip (the new rows' ids come back
    from the INSERT); elsewhere: look up, insert the rest, look up again.
    """
    emails = users["email"].to_list()
    if not emails:
        return {}, 0
    if conn.dialect.name != "postgresql":
        found = lookup(conn, "users", "email", "id", emails)
        missing = users.filter(~pl.col("email").is_in(list(found)))
        write(conn, "users", missing)
        found |= lookup(conn, "users", "email", "id", missing["email"].to_list())
        return found, missing.height
    columns = list(users.columns)
    names = ", ".join(f'"{c}"' for c in columns)
    text = _as_text(users)  # timestamps as UTC text: much cheaper to send than datetimes
    casts = {"is_active": "boolean", "created_at": "timestamp"}
    # A column with one value (the constants of an imported account) is sent once.
    single = {c for c in columns if c != "email" and text[c].n_unique() == 1}
    arrays = [c for c in columns if c not in single]
    picks = [f"%s::{casts.get(c, 'text')}" if c in single else f"i.{c}" for c in columns]
    unnest = ", ".join(f"%s::{casts.get(c, 'text')}[]" for c in arrays)
    # Column names come from our own code; values travel as parameters.
    sql = (
        "WITH old AS (SELECT email, id FROM users WHERE email = ANY(%s)),"  # noqa: S608
        f" made AS (INSERT INTO users ({names}) SELECT {', '.join(picks)}"
        f" FROM unnest({unnest})"
        f" AS i ({', '.join(arrays)})"
        " LEFT JOIN old o ON o.email = i.email WHERE o.email IS NULL RETURNING email, id)"
        " SELECT email, id, true FROM made UNION ALL SELECT email, id, false FROM old"
    )
    values = [
        emails,
        *(_scalar(text[c]) for c in columns if c in single),
        *(text[c].to_list() for c in arrays),
    ]
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(sql, values)
        rows = cur.fetchall()
    return {email: uid for email, uid, _ in rows}, sum(1 for *_, new in rows if new)


def _scalar(column: pl.Series) -> Any:
    value = column[0]
    return value if column.dtype != pl.Boolean else bool(value)
