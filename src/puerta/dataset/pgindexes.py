"""Initial bulk loads: build secondary indexes and check foreign keys once, after the load.

Why: maintaining a b-tree row by row costs several times more than building it
in one sort afterwards, and a foreign key checked row by row (one trigger and
one index probe per row) costs several times more than checking all rows in
one join. Measured at scale 0.1 on PostgreSQL 15: COPY of the 461,741 request
rows took 8.7 s with both foreign keys checked per row, 5.3 s without them,
and adding the two keys afterwards, which checks every row, 0.23 s. This is
the ordering PostgreSQL's manual ("Populating a Database") recommends and
``pg_restore`` uses.

So when the store holds no registration yet, the import drops the
**non-unique** secondary indexes and the **foreign keys** of the tables it
fills, and when it ends (also when it fails) puts each back with its exact
definition: a foreign key is first added ``NOT VALID`` (from that moment every
new row is checked), then ``VALIDATE``\\ d, which checks every existing row
and raises if one breaks it. Primary keys, unique constraints, NOT NULL and
CHECK constraints stay in force throughout, and the loader writes a
registration in the same transaction as, and before, its travelers and
requests. If the process dies before the end, the next import (or
``puerta db upgrade``) puts back whatever the models declare and the store
lacks (:func:`repair`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.schema import AddConstraint

from puerta.db import Base, Database, load_all_models

TABLES = ("registrations", "travelers", "appointment_requests")


def repair(conn: Connection, tables: Sequence[str] = TABLES) -> list[str]:
    """Put back what an interrupted first load left out: the models' indexes and
    (PostgreSQL) foreign keys of ``tables`` that the store lacks; their names."""
    load_all_models()
    inspector = sa.inspect(conn)
    made = []
    for name in tables:
        table = Base.metadata.tables[name]
        present = {ix["name"] for ix in inspector.get_indexes(name)}
        wanted: list[tuple[object, Callable[[], object]]] = [
            (ix.name, lambda ix=ix: ix.create(conn)) for ix in table.indexes
        ]
        if conn.dialect.name == "postgresql":
            present |= {fk["name"] for fk in inspector.get_foreign_keys(name)}
            wanted += [
                (fk.name, lambda fk=fk: conn.execute(AddConstraint(fk)))
                for fk in table.foreign_key_constraints
            ]
        for constraint, create in wanted:
            if constraint not in present:
                create()
                made.append(str(constraint))
    return made


@dataclass(frozen=True, slots=True)
class _ForeignKey:
    table: str
    name: str
    definition: str  # pg_get_constraintdef: "FOREIGN KEY (...) REFERENCES ...(...) ON DELETE ..."


def _secondary(conn: Connection, tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, index name, CREATE INDEX statement) of the non-unique secondary indexes."""
    query = sa.text(
        "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class c ON c.oid = x.indrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname = ANY(:tables)"
        " AND NOT x.indisunique AND NOT x.indisprimary ORDER BY 1"
    )
    return [(r[0], r[1], r[2]) for r in conn.execute(query, {"tables": list(tables)})]


def _foreign_keys(conn: Connection, tables: Sequence[str]) -> list[_ForeignKey]:
    query = sa.text(
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
        " JOIN pg_class c ON c.oid = k.conrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relname = ANY(:tables)"
        " AND k.contype = 'f' ORDER BY 1, 2"
    )
    return [_ForeignKey(*r) for r in conn.execute(query, {"tables": list(tables)})]


@contextmanager
def built_after_load(
    db: Database, tables: Sequence[str] = TABLES, *, analyze: Sequence[str] = ()
) -> Iterator[bool]:
    """Around an import: yields True when indexes and foreign keys were set aside
    (empty store). When the load succeeds, ``analyze`` tables get fresh planner
    statistics too, in the same per-table chains (PostgreSQL only).

    PostgreSQL only: that is where bulk loads are measured, and SQLite's
    per-connection schema cache makes dropping indexes under a pool of
    connections fragile for little gain.
    """
    if not db.is_postgres:
        yield False
        return
    with db.engine.begin() as conn:
        repair(conn, tables)
        empty = not conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM registrations)")).scalar()
        indexes = _secondary(conn, tables) if empty else []
        keys = _foreign_keys(conn, tables) if empty else []
        for _, name, _ in indexes:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
        for fk in keys:  # names come from the catalogue, never from the data
            conn.execute(sa.text(f'ALTER TABLE "{fk.table}" DROP CONSTRAINT "{fk.name}"'))
    try:
        yield bool(indexes or keys)
    except BaseException:
        _restore(db, keys, indexes, analyze=())
        raise
    _restore(db, keys, indexes, analyze=analyze)


def _restore(
    db: Database,
    keys: list[_ForeignKey],
    indexes: list[tuple[str, str, str]],
    *,
    analyze: Sequence[str],
) -> None:
    """Every key back at once (``NOT VALID``: new rows are checked from here on);
    then, per table, its keys validated against the rows loaded, its indexes
    built and its statistics gathered, tables in parallel (their locks do not
    conflict), the biggest first."""
    if keys:
        with db.engine.begin() as conn:
            for fk in keys:
                conn.execute(
                    sa.text(
                        f'ALTER TABLE "{fk.table}" ADD CONSTRAINT "{fk.name}" '
                        f"{fk.definition} NOT VALID"
                    )
                )
    chains: dict[str, list[str]] = {}
    for fk in keys:
        chains.setdefault(fk.table, []).append(
            f'ALTER TABLE "{fk.table}" VALIDATE CONSTRAINT "{fk.name}"'
        )
    for table, _, ddl in indexes:
        chains.setdefault(table, []).append(ddl)
    for table in analyze:
        chains.setdefault(table, []).append(f'ANALYZE "{table}"')
    _parallel(db, dict(sorted(chains.items(), key=lambda item: len(item[1]), reverse=True)))


def _parallel(db: Database, chains: dict[str, list[str]]) -> None:
    """Each table's chain of statements in order, each in its own transaction; three
    chains at a time. Every failure is collected and, after every chain has run, all
    are raised as one ``ExceptionGroup`` naming each table and error, so one failure
    never leaves the others undone nor hides another."""

    def run(table: str, chain: list[str]) -> list[tuple[str, Exception]]:
        errors = []
        for ddl in chain:
            try:
                with db.engine.begin() as conn:
                    conn.execute(sa.text(ddl))
            except Exception as exc:  # the rest of the chain still runs
                exc.add_note(f"table {table}: {ddl}")
                errors.append((table, exc))
        return errors

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(run, table, chain) for table, chain in chains.items()]
    failed = [error for f in futures for error in f.result()]
    if failed:
        summary = "; ".join(f"{table}: {_first_line(exc)}" for table, exc in failed)
        raise ExceptionGroup(
            f"{len(failed)} statement(s) failed after the load: {summary}",
            [exc for _, exc in failed],
        )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
