"""Query results as Polars frames, and frames written back: in bulk, no ORM object per row.

Why: a day's pool (:mod:`puerta.draw.publication`) is a million requests and
two million travelers, with a million trend-analysis labels
(:mod:`puerta.findings.identities`). Loaded as ORM objects they took 3 GB and
most of a minute, and an ``IN`` list of a million ids is more than
PostgreSQL's 65,535 bound parameters (``BENCHMARKS.md``, the daily draw in
the service). So a pool is read with one ``COPY (SELECT ...) TO STDOUT`` on
PostgreSQL (Polars reads the CSV) and written with ``COPY ... FROM STDIN``
(:func:`puerta.dataset.bulkwrite.write`) or one ``UPDATE ... FROM unnest(...)``
per chunk; SQLite, in process, takes the plain statements.

Every function works inside the caller's transaction (``session.connection()``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from puerta.dataset import bulkwrite

INSTANT = pl.Datetime("us", "UTC")
"""A stored UTC instant (:class:`puerta.db.UTCDateTime`) in a frame."""
UPDATE_CHUNK = 100_000
_PG_ARRAY = {pl.Int64: "bigint[]", pl.Utf8: "text[]", pl.Boolean: "boolean[]"}


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def instant(session: Session, column: Any) -> ColumnElement[Any]:
    """Select a UTC instant so that :func:`frame` reads it as :data:`INSTANT`.

    PostgreSQL: as microseconds since the epoch (exact; no time zone text to parse).
    """
    if _is_postgres(session):
        return sa.cast(sa.func.extract("epoch", column) * 1_000_000, sa.BigInteger)
    return column


def frame(session: Session, query: Select[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of ``query`` as a frame with ``schema`` (its columns, in order).

    Dtypes: ``pl.Int64``, ``pl.Utf8``, ``pl.Boolean``, ``pl.Date`` and
    :data:`INSTANT` (select it with :func:`instant`). Row order is the
    database's: sort the frame if it matters.
    """
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return pl.DataFrame(conn.execute(query).all(), schema=schema, orient="row")
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    raw: Any = conn.connection.driver_connection
    buf = io.BytesIO()
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY ({compiled.string}) TO STDOUT (FORMAT csv)", compiled.params) as copy,
    ):
        for block in copy:
            buf.write(block)
    if buf.tell() == 0:
        return pl.DataFrame(schema=schema)
    buf.seek(0)
    text = pl.read_csv(
        buf,
        has_header=False,
        new_columns=list(schema),
        schema_overrides=dict.fromkeys(schema, pl.Utf8),
        infer_schema=False,
    )
    return text.select(_from_text(name, dtype) for name, dtype in schema.items())


def _from_text(name: str, dtype: Any) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Utf8:
        return col
    if dtype == pl.Boolean:
        return (col == "t").alias(name)
    if dtype == pl.Date:
        return col.str.to_date("%Y-%m-%d").alias(name)
    if dtype == INSTANT:
        return col.cast(pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias(name)
    return col.cast(dtype).alias(name)


def insert(session: Session, table: sa.Table, rows: pl.DataFrame) -> None:
    """Insert ``rows`` (columns named as ``table``'s) in bulk, in the session's transaction."""
    bulkwrite.write(session.connection(), table.name, rows)


def update_by_id(
    session: Session,
    table: sa.Table,
    rows: pl.DataFrame,
    *,
    replace: Mapping[str, tuple[str, str]] | None = None,
) -> None:
    """Set the other columns of ``rows`` on the rows of ``table`` whose ``id`` it gives.

    ``replace``: column -> ``(old, new)``: on those rows, also set the column
    to ``new`` where it is ``old`` (the rest keep theirs). Core statements:
    objects of those rows already in the session are not refreshed (expire them).
    """
    if rows.height == 0:
        return
    names = [c for c in rows.columns if c != "id"]
    replace = dict(replace or {})
    if _is_postgres(session):
        columns = ["id", *names]
        arrays = ", ".join(
            f"CAST(:{c} AS {_PG_ARRAY[rows.schema[c].base_type()]})" for c in columns
        )
        sets = [f'"{c}" = v."{c}"' for c in names]
        sets += [
            f'"{c}" = CASE WHEN t."{c}" = :old_{c} THEN :new_{c} ELSE t."{c}" END' for c in replace
        ]
        # Table and column names come from our own code, never from the data.
        statement = sa.text(
            f'UPDATE "{table.name}" AS t SET {", ".join(sets)} '  # noqa: S608
            f"FROM unnest({arrays}) AS v({', '.join(columns)}) WHERE t.id = v.id"
        )
        values = {f"old_{c}": old for c, (old, _) in replace.items()}
        values |= {f"new_{c}": new for c, (_, new) in replace.items()}
        for start in range(0, rows.height, UPDATE_CHUNK):
            part = rows.slice(start, UPDATE_CHUNK)
            session.execute(statement, values | {c: part[c].to_list() for c in columns})
        return
    assign: dict[str, Any] = {c: sa.bindparam(c) for c in names}
    for c, (old, new) in replace.items():
        assign[c] = sa.case((table.c[c] == old, new), else_=table.c[c])
    statement = sa.update(table).where(table.c.id == sa.bindparam("_id")).values(assign)
    session.execute(statement, rows.rename({"id": "_id"}).to_dicts())
