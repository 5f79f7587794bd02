"""Hand-made registration rows in the documented format, for the trend tests.

Every row carries the protected columns too (sex, citizenship, language, date
of birth), so each test also exercises their removal by ``analysis_frame``.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

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
