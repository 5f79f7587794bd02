"""Initial bulk loads: build secondary indexes once, after the load.

Maintaining a b-tree row by row costs several times more than building it in
one sort afterwards (measured at scale 0.1: the non-unique indexes of
``travelers`` cost about 4 s of server CPU row by row, 1 s built after). So
when the store holds no registration yet, the import drops the **non-unique**
secondary indexes of the tables it fills and rebuilds them, with their exact
definitions, before it returns (also when it fails). PostgreSQL builds several
at once; SQLite one after the other. Primary keys, unique
indexes and foreign keys stay in place throughout, so every integrity check
still runs row by row. If the process dies before the rebuild, the next import
(or any call of ``ensure_model_indexes``) creates the missing ones from the
models.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from puerta.db import Base, Database, load_all_models

TABLES = ("registrations", "travelers", "appointment_requests")


def ensure_model_indexes(conn: Connection, tables: Sequence[str] = TABLES) -> list[str]:
    """Create the models' indexes of ``tables`` that are missing; returns their names."""
    load_all_models()
    made = []
    inspector = sa.inspect(conn)
    for name in tables:
        present = {ix["name"] for ix in inspector.get_indexes(name)}
        for index in Base.metadata.tables[name].indexes:
            if index.name not in present:
                index.create(conn)
                made.append(str(index.name))
    return made


def _secondary(conn: Connection, tables: Sequence[str]) -> list[tuple[str, str]]:
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        ).all()
        return [
            (name, sql)
            for name, sql in rows
            if sql.upper().startswith("CREATE INDEX")
            and any(f"ON {t} " in sql or f'ON "{t}" ' in sql for t in tables)
        ]
    query = sa.text(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class c ON c.oid = x.indrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname = ANY(:tables)"
        " AND NOT x.indisunique AND NOT x.indisprimary ORDER BY 1"
    )
    return [(r[0], r[1]) for r in conn.execute(query, {"tables": list(tables)})]


@contextmanager
def built_after_load(db: Database, tables: Sequence[str] = TABLES) -> Iterator[bool]:
    """Around an import: yields True when indexes were dropped (empty store).

    PostgreSQL only: that is where bulk loads are measured, and SQLite's
    per-connection schema cache makes dropping indexes under a pool of
    connections fragile for little gain.
    """
    if not db.is_postgres:
        yield False
        return
    with db.engine.begin() as conn:
        ensure_model_indexes(conn, tables)
        empty = not conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM registrations)")).scalar()
        dropped = _secondary(conn, tables) if empty else []
        for name, _ in dropped:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
    try:
        yield bool(dropped)
    finally:
        if dropped:
            _build(db, [ddl for _, ddl in dropped])


def _build(db: Database, statements: list[str]) -> None:
    """CREATE INDEX statements, several at once (they share the table's SHARE lock)."""

    def run(ddl: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(sa.text(ddl))

    workers = 3 if db.is_postgres else 1  # SQLite has one writer
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(run, ddl) for ddl in statements]:
            future.result()
