"""Hand-made registration rows in the documented format, for the trend tests.

Every row carries the protected columns too (sex, citizenship, language, date
of birth), so each test also exercises their removal by ``analysis_frame``.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from puerta.trends.frame import analysis_frame

T0 = datetime(2023, 5, 10, 9, 0, tzinfo=UTC)
_SURNAMES = [
    "Kim",
    "Lopez",
    "Petrov",
    "Jean",
    "Smith",
    "Haddad",
    "Silva",
    "Ortiz",
    "Nguyen",
    "Moreau",
    "Ali",
    "Chen",
    "Novak",
    "Dubois",
    "Rossi",
    "Tanaka",
    "Okafor",
    "Mendoza",
    "Ivanova",
    "Kowalski",
    "Yilmaz",
    "Sato",
    "Fischer",
    "Costa",
    "Romero",
    "Pierre",
    "Joseph",
]


def row(rid: str, pos: int = 0, **kw: Any) -> dict[str, Any]:
    """One traveler row; ``kw`` overrides any column."""
    base: dict[str, Any] = {
        "registration_id": rid,
        "traveler_index": pos,
        "is_owner": pos == 0,
        "account_id": f"A-{rid}",
        "created_at": T0,
        "given_names": "Ana",
        "family_names": "Lopez",
        "date_of_birth": date(1990, 1, 1),
        "sex": "F",
        "country_of_birth": "VE",
        "citizenship": "VE",
        "language": "es",
        "phone": None,
        "email": None,
        "address_line1": f"{100 + zlib.crc32(rid.encode()) % 90000} Elm St",
        "address_line2": None,
        "city": "Houston",
        "state": "TX",
        "zip_code": "77002",
        "device_id": f"dev-{rid}",
        "ip": "187.188.1.10",
        "form_seconds": 300.0,
        "requested_port": "SYS",
        "appointment_port": None,
    }
    base.update(kw)
    return base


def surname(i: int) -> str:
    return _SURNAMES[i % len(_SURNAMES)]


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The analysis frame of some rows (protected columns dropped)."""
    return analysis_frame(pl.DataFrame(rows, infer_schema_length=None))


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


_MORE_SURNAMES = [
    "Abara",
    "Bello",
    "Castro",
    "Duarte",
    "Espinoza",
    "Figueroa",
    "Guerrero",
    "Herrera",
    "Ibarra",
    "Jaramillo",
    "Kuznetsov",
    "Lazaro",
    "Macias",
    "Navarro",
    "Olivares",
    "Pacheco",
    "Quintero",
    "Ramirez",
    "Salazar",
    "Trujillo",
    "Urbina",
    "Valencia",
    "Wojcik",
    "Xiong",
    "Yanez",
    "Zamora",
    "Aguilar",
    "Benitez",
    "Cardenas",
    "Dominguez",
]


def many_surnames(n: int) -> list[str]:
    """``n`` surnames no two of which are one family (``families.family_labels``)."""
    names = [*_SURNAMES, *_MORE_SURNAMES]
    assert n <= len(names)
    return names[:n]


def service_population(
    households: int = 40,
    ports: tuple[str, ...] = ("SYS", "OTM", "ELP", "LRD", "HID", "BRO"),
    phone: str = "+52 664 100 2000",
    small_rings: int = 8,
) -> list[dict[str, Any]]:
    """An aid organisation's phone given by ``households`` unrelated households over
    ``ports``, beside ``small_rings`` ordinary three-household rings (each on its own
    phone): the data's own distribution of shared contacts."""
    names = many_surnames(households)
    rows = []
    for h in range(households):
        rid = f"AID{h}"
        rows.append(
            row(
                rid,
                0,
                given_names=f"Owner{h}",
                family_names=names[h],
                phone=phone,
                email=f"own{h}@mail.com",
                requested_port=ports[h % len(ports)],
            )
        )
        rows.append(row(rid, 1, given_names=f"Kid{h}", family_names=names[h]))
    for r in range(small_rings):
        for k in range(3):
            rid = f"RING{r}-{k}"
            rows.append(
                row(
                    rid,
                    0,
                    given_names=f"Ring{r}x{k}",
                    family_names=names[(r * 3 + k) % households],
                    phone=f"+52 55 1000 {2000 + r}",
                    requested_port=ports[r % len(ports)],
                )
            )
    return rows


def write_dataset(rows: list[dict[str, Any]], folder: Path) -> Path:
    """``rows`` as a data set in the documented import format (``registrations.parquet``)."""
    full = []
    for r in rows:
        r = dict(r)
        r.setdefault("registration_status", "active")
        r.setdefault("request_dates", [r["created_at"].date()])
        r.setdefault("appointment_date", None)
        r.setdefault("appointment_time", None)
        full.append(r)
    folder.mkdir(parents=True, exist_ok=True)
    frame = pl.DataFrame(full, infer_schema_length=None).with_columns(
        pl.col("traveler_index").cast(pl.Int16),
        pl.col("appointment_port").cast(pl.String),
        pl.col("appointment_date").cast(pl.Date),
        pl.col("appointment_time").cast(pl.Time),
        pl.col("address_line2").cast(pl.String),
    )
    table = frame.to_arrow()
    # The documented format's lists are Arrow lists (polars writes large lists).
    i = table.schema.get_field_index("request_dates")
    table = table.set_column(i, "request_dates", table.column(i).cast(pa.list_(pa.date32())))
    pq.write_table(table, folder / "registrations.parquet")
    return folder
