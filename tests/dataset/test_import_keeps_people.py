"""The import keeps people: old Mexican mobile forms, blanked optional values, --strict.

Hand-made registrations, written as CSV the way an outside producer writes them,
loaded into SQLite and (when reachable) PostgreSQL.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from puerta.cli.main import app
from puerta.config import get_settings
from puerta.dataset import files, schema
from puerta.dataset.importer import ImportStats, import_dataset
from puerta.db import Database
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest

# The importer opens its own connections (db.engine): real commits.
pytestmark = pytest.mark.committing

RID = "RKEEPPEOPLE00001"


def _family(**changes: Any) -> list[dict[str, Any]]:
    """One registration of two travelers, valid as it stands; ``changes`` maps
    ``"column"`` (both rows) or ``"column@1"`` (the second row only) to a value."""
    base: dict[str, Any] = {
        "registration_id": RID,
        "account_id": "AKEEP1",
        "registration_status": "active",
        "created_at": datetime(2023, 1, 12, 14, 0, 5, tzinfo=UTC),
        "sex": "F",
        "country_of_birth": "MX",
        "citizenship": "MX",
        "language": "es",
        "phone": "+526641234567",
        "email": "ana.perez@example.org",
        "address_line1": "123 Main St",
        "address_line2": "Apt 4",
        "city": "San Diego",
        "state": "CA",
        "zip_code": "92101",
        "device_id": "device-1",
        "ip": "10.1.2.3",
        "form_seconds": 312.0,
        "requested_port": "SYS",
        "request_dates": [date(2023, 1, 13), date(2023, 1, 14)],
        "appointment_port": None,
        "appointment_date": None,
        "appointment_time": None,
    }
    rows = [
        {**base, "traveler_index": 0, "is_owner": True, "given_names": "Ana",
         "family_names": "Pérez López", "date_of_birth": date(1990, 2, 18)},
        {**base, "traveler_index": 1, "is_owner": False, "given_names": "Luis",
         "family_names": "Pérez García", "date_of_birth": date(2015, 7, 1)},
    ]  # fmt: skip
    for key, value in changes.items():
        column, _, only = key.partition("@")
        for pos, row in enumerate(rows):
            if not only or int(only) == pos:
                row[column] = value
    return rows


def _write(rows: list[dict[str, Any]], directory: Path) -> Path:
    directory.mkdir()
    files.write_table(
        directory / "registrations.csv",
        pa.Table.from_pylist(rows, schema.REGISTRATIONS),
        schema.REGISTRATIONS,
        "csv",
    )
    return directory


def _import(db: Database, rows: list[dict[str, Any]], tmp: Path, **kw: Any) -> ImportStats:
    return import_dataset(db, _write(rows, tmp / "data"), rejects=tmp / "rejects.csv", **kw)


def _rejects(tmp: Path) -> list[dict[str, str]]:
    path = tmp / "rejects.csv"
    if not path.exists():
        return []
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _stored(db: Database) -> list[Traveler]:
    with db.session() as s:
        return list(
            s.scalars(
                sa.select(Traveler).where(Traveler.registration_id == RID).order_by("position")
            )
        )


def _nothing_of_it(db: Database) -> None:
    """No row of the registration in any table: nothing half-written."""
    with db.session() as s:
        assert s.get(Registration, RID) is None
        for model in (Traveler, AppointmentRequest):
            query = sa.select(sa.func.count()).where(model.registration_id == RID)
            assert s.scalar(query) == 0, model.__tablename__


@pytest.mark.parametrize("written", ["52 1 664 123 4567", "+52 1 664 123 4567", "045 664 123 4567"])
def test_old_mexican_mobile_forms_are_stored_as_e164(
    db: Database, tmp_path: Path, written: str
) -> None:
    stats = _import(db, _family(**{"phone@1": written}), tmp_path)
    assert (stats.registrations_loaded, stats.registrations_rejected) == (1, 0)
    assert [t.phone for t in _stored(db)] == ["+526641234567", "+526641234567"]
    assert _rejects(tmp_path) == []
    assert stats.values_blanked == 0  # accepted as it is, not blanked


def test_an_invalid_optional_email_is_blanked_and_the_family_kept(
    db: Database, tmp_path: Path
) -> None:
    stats = _import(db, _family(**{"email@1": "luis at example"}), tmp_path)
    assert (stats.registrations_loaded, stats.registrations_rejected) == (1, 0)
    assert (stats.registrations_blanked, stats.values_blanked) == (1, 1)
    assert stats.rows_loaded == 2
    ana, luis = _stored(db)
    assert (ana.email, luis.email) == ("ana.perez@example.org", None)
    assert luis.phone == "+526641234567"  # only the bad value went
    (line,) = _rejects(tmp_path)
    assert line["action"] == "blanked"
    assert line["reject_field"] == "email"
    assert line["reject_codes"] == "value.email"
    assert "is not an email address" in line["reject_reason"]
    assert (line["traveler_index"], line["email"]) == ("1", "luis at example")  # as read


def test_strict_rejects_the_same_family_whole(db: Database, tmp_path: Path) -> None:
    stats = _import(db, _family(**{"email@1": "luis at example"}), tmp_path, strict=True)
    assert (stats.registrations_loaded, stats.registrations_rejected) == (0, 1)
    assert stats.values_blanked == 0
    _nothing_of_it(db)
    lines = _rejects(tmp_path)
    assert [r["action"] for r in lines] == ["rejected", "rejected"]
    assert lines[1]["reject_codes"] == "value.email"
    assert lines[0]["reject_codes"] == "import.other_row_invalid"


def test_an_invalid_required_value_still_rejects_whole(db: Database, tmp_path: Path) -> None:
    """A bad state (required) beside a bad email (optional): nothing is blanked or kept."""
    rows = _family(**{"email@0": "nope", "state@1": "XX"})
    stats = _import(db, rows, tmp_path)
    assert (stats.registrations_loaded, stats.registrations_rejected) == (0, 1)
    assert stats.values_blanked == 0
    _nothing_of_it(db)
    lines = _rejects(tmp_path)
    assert {r["action"] for r in lines} == {"rejected"}
    assert "value.email" in lines[0]["reject_codes"]
    assert "value.us_state" in lines[1]["reject_codes"]


def test_a_blank_that_would_break_a_rule_rejects_whole(db: Database, tmp_path: Path) -> None:
    """``requested_port`` is optional, but not when there are request dates: blanking
    a bad one would leave requests without a port, so the family is rejected."""
    stats = _import(db, _family(requested_port="XXX"), tmp_path)
    assert (stats.registrations_loaded, stats.registrations_rejected) == (0, 1)
    _nothing_of_it(db)
    assert {r["action"] for r in _rejects(tmp_path)} == {"rejected"}


def test_a_registration_level_value_is_blanked_once_for_the_family(
    db: Database, tmp_path: Path
) -> None:
    stats = _import(db, _family(ip="10.1.2.300", zip_code="9210"), tmp_path)
    assert (stats.registrations_loaded, stats.registrations_blanked) == (1, 1)
    assert stats.values_blanked == 3  # the IP once, each row's ZIP code
    with db.session() as s:
        assert s.get(Registration, RID).ip is None  # type: ignore[union-attr]
    assert [t.zip_code for t in _stored(db)] == [None, None]
    lines = _rejects(tmp_path)
    assert [(r["traveler_index"], r["reject_field"]) for r in lines] == [
        ("0", "ip"),
        ("0", "zip_code"),
        ("1", "zip_code"),
    ]


@pytest.fixture
def cli_store(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The CLI's settings pointed at the test's store."""
    monkeypatch.setenv("PUERTA_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def test_cli_blanks_by_default_and_strict_rejects(cli_store: Database, tmp_path: Path) -> None:
    data = _write(_family(**{"email@1": "luis at example"}), tmp_path / "data")
    runner = CliRunner()
    args = ["import", str(data), "--workers", "1", "--rejects"]
    strict = runner.invoke(app, [*args, str(tmp_path / "strict.csv"), "--strict"])
    assert strict.exit_code == 0, strict.output
    assert "rejected 1 (2 rows)" in strict.output
    _nothing_of_it(cli_store)
    kept = runner.invoke(app, [*args, str(tmp_path / "kept.csv")])
    assert kept.exit_code == 0, kept.output
    assert "kept 1 with 1 invalid optional values blanked" in kept.output
    assert "rejected 0 (0 rows)" in kept.output
    assert [t.email for t in _stored(cli_store)] == ["ana.perez@example.org", None]
