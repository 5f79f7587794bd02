"""Parquet and CSV hold the same table; CSV lists are ';'-joined dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pyarrow as pa

from puerta.dataset import files, schema


def _table() -> pa.Table:
    row = dict.fromkeys(schema.REGISTRATIONS.names)
    row |= {
        "registration_id": "R1",
        "traveler_index": 0,
        "is_owner": True,
        "account_id": "A1",
        "registration_status": "active",
        "created_at": datetime(2023, 5, 10, 14, 0, 5, tzinfo=UTC),
        "given_names": "Ana María",
        "family_names": "García López",
        "date_of_birth": date(1990, 2, 3),
        "sex": "F",
        "country_of_birth": "VE",
        "citizenship": "VE",
        "language": "es",
        "address_line1": "12 Main St",
        "city": "Denver",
        "state": "CO",
        "request_dates": [date(2023, 5, 10), date(2023, 5, 11)],
        "requested_port": "ELP",
        "appointment_port": "ELP",
        "appointment_date": date(2023, 5, 20),
        "appointment_time": time(9, 30),
    }
    return pa.Table.from_pylist([row], schema.REGISTRATIONS)


def test_csv_and_parquet_read_back_the_same(tmp_path: Path) -> None:
    table = _table()
    for fmt in ("parquet", "csv"):
        path = tmp_path / f"registrations.{fmt}"
        files.write_table(path, table, schema.REGISTRATIONS, fmt)  # type: ignore[arg-type]
        assert files.read_table(path).equals(table)
    assert "2023-05-10;2023-05-11" in (tmp_path / "registrations.csv").read_text()


def test_table_path_prefers_parquet(tmp_path: Path) -> None:
    assert files.table_path(tmp_path, "registrations") is None
    (tmp_path / "registrations.csv").write_text("x\n")
    assert files.table_path(tmp_path, "registrations") == tmp_path / "registrations.csv"
    (tmp_path / "registrations.parquet").write_text("")
    assert files.table_path(tmp_path, "registrations") == tmp_path / "registrations.parquet"
