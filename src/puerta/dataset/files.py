"""Reading and writing the data-set tables as Parquet (primary) or CSV.

Writers stream: one Parquet row group (or CSV block) per chunk, so a data set
of millions of rows is written in bounded memory. Readers stream too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from puerta.dataset import schema

Format = Literal["parquet", "csv"]
LIST_SEPARATOR = ";"


def table_path(directory: Path, name: str) -> Path | None:
    """The file holding table ``name`` in a data-set directory, Parquet first."""
    for suffix in (".parquet", ".csv"):
        candidate = directory / f"{name}{suffix}"
        if candidate.exists():
            return candidate
    return None


def _to_csv_table(table: pa.Table) -> pa.Table:
    """CSV has no list type: join list columns with ';' (documented)."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_list(field.type):
            joined = pa.array(
                [LIST_SEPARATOR.join(d.isoformat() for d in v) for v in column.to_pylist()],
                pa.string(),
            )
            columns.append(joined)
        else:
            columns.append(column)
    names = table.schema.names
    return pa.table(dict(zip(names, columns, strict=True)))


class TableWriter:
    """Append chunks of one table to a Parquet or CSV file."""

    def __init__(self, path: Path, arrow_schema: pa.Schema, fmt: Format = "parquet") -> None:
        self.path = path
        self.schema = arrow_schema
        self.fmt = fmt
        self.rows = 0
        self._writer: Any = None

    def write(self, table: pa.Table) -> None:
        table = table.cast(self.schema)
        if self.fmt == "parquet":
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
            self._writer.write_table(table)
        else:
            csv_table = _to_csv_table(table)
            if self._writer is None:
                self._writer = pacsv.CSVWriter(self.path, csv_table.schema)
            self._writer.write_table(csv_table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is None:  # an empty table still gets its header / schema
            self.write(self.schema.empty_table())
        self._writer.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_table(path: Path, table: pa.Table, arrow_schema: pa.Schema, fmt: Format) -> None:
    with TableWriter(path, arrow_schema, fmt) as writer:
        writer.write(table)


def iter_batches(path: Path, batch_size: int = 50_000) -> Iterator[pa.RecordBatch]:
    """Stream a table. CSV columns come back as strings, to be parsed row by row
    by the importer, so that one bad value rejects one row, not the file."""
    if path.suffix == ".parquet":
        yield from pq.ParquetFile(path).iter_batches(batch_size=batch_size)
        return
    with path.open("rb") as fh:
        header = fh.readline().decode("utf-8")
    columns = [c.strip().strip('"') for c in header.rstrip("\r\n").split(",")]
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=8 << 20),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in columns},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    yield from reader


def read_table(path: Path) -> pa.Table:
    """A whole table, typed as schema version 1 (CSV parsed). For tests and small sets."""
    name = path.stem
    target = schema.TABLES.get(name)
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return table.cast(target) if target is not None else table
    batches = list(iter_batches(path))
    table = pa.Table.from_batches(batches) if batches else pa.table({})
    return typed_from_csv(table, target) if target is not None else table


def typed_from_csv(table: pa.Table, target: pa.Schema) -> pa.Table:
    """Cast an all-string CSV table to the schema (raises on a bad value)."""
    columns = {}
    for field in target:
        column = table.column(field.name)
        if pa.types.is_list(field.type):
            values = [
                [] if not v else [_date(s) for s in v.split(LIST_SEPARATOR)]
                for v in column.to_pylist()
            ]
            columns[field.name] = pa.array(values, field.type)
        elif pa.types.is_time(field.type):
            values = [
                None if not v else dt.time.fromisoformat(v.strip()) for v in column.to_pylist()
            ]
            columns[field.name] = pa.array(values, field.type)
        elif pa.types.is_boolean(field.type):
            values = [
                None if v is None else v.strip().lower() in ("true", "1", "t")
                for v in column.to_pylist()
            ]
            columns[field.name] = pa.array(values, field.type)
        elif pa.types.is_string(field.type):
            columns[field.name] = column.fill_null("") if not field.nullable else column
        else:
            columns[field.name] = column.cast(field.type)
    return pa.table(columns, schema=target)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    body = {"schema_version": schema.SCHEMA_VERSION, **manifest}
    (directory / "manifest.json").write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}
