"""Import and export on SQLite and PostgreSQL: round trip, idempotence, rejects."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from puerta.accounts.models import User
from puerta.clock import FrozenClock
from puerta.confirmation.models import Appointment
from puerta.contacts import phone_e164
from puerta.dataset import files, pgindexes, schema
from puerta.dataset.exporter import export_dataset
from puerta.dataset.importer import UNUSABLE_PASSWORD, import_dataset
from puerta.db import Database
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest
from puerta.synth import generate

# The importer and the exporter open their own connections (db.engine): real commits.
pytestmark = pytest.mark.committing

KEYS = {
    "registrations": ["registration_id", "traveler_index"],
    "appointments": ["appointment_code"],
}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate("oig-2023", 0.001, 3, out)
    return out


def _same(a: Path, b: Path) -> None:
    """``b`` (exported) holds ``a``'s rows as the store keeps them: phones in E.164
    (the generator writes some in other usual forms, such as ``52 1 664 123 4567``)."""
    for name, key in KEYS.items():
        left = pl.from_arrow(files.read_table(files.table_path(a, name))).sort(key)  # type: ignore[arg-type, union-attr]
        if "phone" in left.columns:
            left = left.with_columns(
                pl.col("phone").map_elements(phone_e164, return_dtype=pl.String)
            )
        right = pl.from_arrow(files.read_table(files.table_path(b, name))).sort(key)  # type: ignore[arg-type, union-attr]
        assert left.equals(right), name


def _count(db: Database, table: type) -> int:
    with db.session() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def test_round_trip_gives_the_same_rows(db: Database, small: Path, tmp_path: Path) -> None:
    stats = import_dataset(db, small, rejects=tmp_path / "rejects.csv")
    assert stats.rows_rejected == 0
    assert stats.rows_loaded == pq.read_metadata(small / "registrations.parquet").num_rows
    export_dataset(db, tmp_path / "out")
    _same(small, tmp_path / "out")
    with db.session() as s:
        hashes = set(s.scalars(sa.select(User.password_hash)))
        assert hashes == {UNUSABLE_PASSWORD}
        assert (
            s.scalar(sa.select(sa.func.count()).where(Appointment.selection_id.is_not(None))) == 0
        )


def test_reimport_is_idempotent(db: Database, small: Path, tmp_path: Path) -> None:
    import_dataset(db, small, rejects=tmp_path / "r.csv")
    counts = [
        _count(db, t) for t in (Registration, Traveler, AppointmentRequest, Appointment, User)
    ]
    again = import_dataset(db, small, rejects=tmp_path / "r.csv")
    assert again.rows_loaded == 0
    assert (
        again.registrations_skipped == again.registrations_loaded + again.registrations_skipped > 0
    )
    assert again.appointments_skipped > 0
    assert [
        _count(db, t) for t in (Registration, Traveler, AppointmentRequest, Appointment, User)
    ] == counts


def test_csv_round_trip(db: Database, small: Path, tmp_path: Path) -> None:
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    for name, arrow_schema in (
        ("registrations", schema.REGISTRATIONS),
        ("appointments", schema.APPOINTMENTS),
    ):
        files.write_table(
            csv_dir / f"{name}.csv", pq.read_table(small / f"{name}.parquet"), arrow_schema, "csv"
        )
    stats = import_dataset(db, csv_dir, rejects=tmp_path / "r.csv")
    assert stats.rows_rejected == 0
    export_dataset(db, tmp_path / "out", fmt="csv")
    _same(small, tmp_path / "out")


def _corrupt(small: Path, target: Path) -> tuple[list[str], str]:
    """Break four registrations in four ways; return their ids and one good one."""
    table = pq.read_table(small / "registrations.parquet")
    rows = table.to_pylist()
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(r["registration_id"], []).append(i)
    families = [g for g in groups.values() if len(g) >= 2][:4]
    bad = [rows[g[0]]["registration_id"] for g in families]
    rows[families[0][1]]["phone"] = "+52 12"  # not a phone, on a second traveler
    rows[families[1][0]]["state"] = "XX"
    rows[families[2][1]]["traveler_index"] = 5
    rows[families[3][1]]["date_of_birth"] = rows[families[3][1]]["date_of_birth"].replace(year=2999)
    good = next(rid for rid, g in groups.items() if rid not in bad)
    target.mkdir()
    files.write_table(
        target / "registrations.csv",
        pa.Table.from_pylist(rows, schema.REGISTRATIONS),
        schema.REGISTRATIONS,
        "csv",
    )
    return bad, good


def test_bad_rows_are_rejected_whole_with_reasons_and_the_rest_loads(
    db: Database, small: Path, tmp_path: Path
) -> None:
    """Strict: the bad phone (optional) rejects its registration like the others."""
    bad, good = _corrupt(small, tmp_path / "bad")
    rejects = tmp_path / "rejects.csv"
    stats = import_dataset(db, tmp_path / "bad", rejects=rejects, strict=True)
    assert stats.registrations_rejected == 4
    assert stats.values_blanked == 0
    with rejects.open() as fh:
        rejected = list(csv.DictReader(fh))
    assert {r["registration_id"] for r in rejected} == set(bad)
    assert {r["action"] for r in rejected} == {"rejected"}
    reasons = " ".join(r["reject_reason"] for r in rejected)
    for needle in ("phone", "state", "traveler_index", "date of birth is in the future"):
        assert needle in reasons
    assert "another row of this registration is invalid" in reasons
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).where(Traveler.registration_id.in_(bad))) == 0
        assert s.scalar(sa.select(sa.func.count()).where(Registration.id.in_(bad))) == 0
        assert s.get(Registration, good) is not None
    total = pq.read_metadata(small / "registrations.parquet").num_rows
    assert stats.rows_loaded + stats.rows_rejected == total
    # without appointments.csv, appointments come from the rows' appointment columns
    assert stats.appointments_loaded > 0


def test_without_strict_the_bad_phone_is_blanked_and_the_rest_rejected(
    db: Database, small: Path, tmp_path: Path
) -> None:
    bad, _ = _corrupt(small, tmp_path / "bad")
    rejects = tmp_path / "rejects.csv"
    stats = import_dataset(db, tmp_path / "bad", rejects=rejects)
    assert (stats.registrations_rejected, stats.registrations_blanked) == (3, 1)
    assert stats.values_blanked == 1
    with rejects.open() as fh:
        lines = list(csv.DictReader(fh))
    blanked = [r for r in lines if r["action"] == "blanked"]
    assert [(r["registration_id"], r["reject_field"]) for r in blanked] == [(bad[0], "phone")]
    assert {r["registration_id"] for r in lines if r["action"] == "rejected"} == set(bad[1:])
    with db.session() as s:
        kept = s.scalars(sa.select(Traveler).where(Traveler.registration_id == bad[0])).all()
        assert sorted((t.position, t.phone is None) for t in kept)[1] == (1, True)
    total = pq.read_metadata(small / "registrations.parquet").num_rows
    assert stats.rows_loaded + stats.rows_rejected == total


def test_today_comes_from_the_importers_clock(db: Database, small: Path, tmp_path: Path) -> None:
    """A date of birth after the clock's date is in the future, whatever the wall clock says."""
    rows = pq.read_table(small / "registrations.parquet").to_pylist()
    one = [r for r in rows if r["registration_id"] == rows[0]["registration_id"]]
    one[-1]["date_of_birth"] = date(2026, 6, 1)
    (tmp_path / "one").mkdir()
    files.write_table(
        tmp_path / "one" / "registrations.csv",
        pa.Table.from_pylist(one, schema.REGISTRATIONS),
        schema.REGISTRATIONS,
        "csv",
    )
    before = FrozenClock(datetime(2026, 5, 31, 23, 59, tzinfo=UTC))
    refused = import_dataset(db, tmp_path / "one", rejects=tmp_path / "r1.csv", clock=before)
    assert (refused.registrations_rejected, refused.registrations_loaded) == (1, 0)
    on_the_day = FrozenClock(datetime(2026, 6, 1, 0, 0, tzinfo=UTC))
    loaded = import_dataset(db, tmp_path / "one", rejects=tmp_path / "r2.csv", clock=on_the_day)
    assert (loaded.registrations_rejected, loaded.registrations_loaded) == (0, 1)


def _indexes(db: Database) -> set[str]:
    """Index names, and foreign keys with whether PostgreSQL has checked every row."""
    inspector = sa.inspect(db.engine)
    tables = ("registrations", "travelers", "appointment_requests")
    found = {ix["name"] for t in tables for ix in inspector.get_indexes(t)}
    found |= {f"fk {fk['name']}" for t in tables for fk in inspector.get_foreign_keys(t)}
    if db.is_postgres:
        with db.engine.connect() as conn:
            query = "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f'"
            found |= {f"{name} validated={ok}" for name, ok in conn.execute(sa.text(query))}
    return found


def test_indexes_and_keys_are_back_after_an_initial_load(
    db: Database, small: Path, tmp_path: Path
) -> None:
    """On an empty store PostgreSQL builds the non-unique indexes and checks the
    foreign keys after the load: all of them are back and validated, also when
    the load fails half-way."""
    before = _indexes(db)
    assert any(name.startswith("fk ") for name in before)
    import_dataset(db, small, rejects=tmp_path / "r.csv")
    assert _indexes(db) == before
    with db.engine.begin() as conn:
        for table in ("appointments", "appointment_requests", "travelers", "registrations"):
            conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "registrations.parquet").write_bytes(b"not parquet")
    # The load fails reading its first batch (inside the indexes' set-aside), not before.
    with pytest.raises(pa.ArrowInvalid, match="Parquet magic bytes not found"):
        import_dataset(db, broken, rejects=tmp_path / "r2.csv")
    assert _indexes(db) == before


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_upgrade_repairs_what_an_interrupted_load_set_aside(db: Database) -> None:
    """A first load killed before its end leaves indexes and keys out; repair puts
    back exactly the models' ones, and a key put back is enforced at once."""
    before = _indexes(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_travelers_phone"))
        conn.execute(
            sa.text(
                "ALTER TABLE travelers DROP CONSTRAINT fk_travelers_registration_id_registrations"
            )
        )
    with db.engine.begin() as conn:
        assert sorted(pgindexes.repair(conn)) == [
            "fk_travelers_registration_id_registrations",
            "ix_travelers_phone",
        ]
    assert _indexes(db) == before
    orphan = sa.text(
        "INSERT INTO travelers (registration_id, position, given_names, family_names,"
        " date_of_birth, sex, country_of_birth, citizenship, language, address_line1, city, state)"
        " VALUES ('nope', 0, 'A', 'B', '2000-01-01', 'F', 'MX', 'MX', 'es', '1 Main St', 'X', 'TX')"
    )
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(orphan)
