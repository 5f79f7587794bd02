"""The list of contacts shared by design: loading, and reaching it from the CLI and settings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from puerta.cli.main import app
from puerta.config import get_settings
from puerta.findings.value import ADDRESS_CLUSTER, KNOWN_ADDRESS
from puerta.trends import job
from puerta.trends.known_contacts import (
    KnownContactsError,
    load_known_contacts,
    parse_known_contacts,
)
from tests.trends.frames import T0, row, surname, write_dataset

LIST = (
    "kind,value,label\n"
    "phone,52 1 664 555 0000,Casa del Migrante\n"
    "email,Ayuda.Legal+web@Example.org,Legal aid desk\n"
    'address,"35 First Street, Suite 2, El Paso, TX 79901",Annunciation House\n'
)


def test_values_are_normalised_as_the_analyses_compare_them() -> None:
    known = parse_known_contacts(LIST)
    assert known.phones == {"+526645550000"}
    assert known.emails == {"ayudalegal@example.org"}
    assert known.label("phone", "+526645550000") == "Casa del Migrante"
    (place,) = known.addresses
    assert (place.street, place.unit, place.city, place.state, place.zip5) == (
        "35 1ST ST",
        "2",
        "EL PASO",
        "TX",
        "79901",
    )
    assert place.name == "Annunciation House"
    assert load_known_contacts(None).phones == frozenset()


@pytest.mark.parametrize(
    "line",
    ["fax,123,x", "phone,n/a,x", "email,not-an-address,x", "address,somewhere,x"],
)
def test_a_row_that_cannot_be_used_is_an_error(line: str) -> None:
    with pytest.raises(KnownContactsError, match="line 2"):
        parse_known_contacts(f"kind,value,label\n{line}\n")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PUERTA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PUERTA_DATABASE_URL", raising=False)
    monkeypatch.delenv("PUERTA_KNOWN_CONTACTS_PATH", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _shelter_clients(folder: Path) -> Path:
    """Six unrelated households that all gave the shelter's phone."""
    rows = []
    for h in range(6):
        rows.append(
            row(f"R{h}", 0, given_names=f"Owner{h}", family_names=surname(h), phone="6645550000")
        )
        rows.append(row(f"R{h}", 1, given_names=f"Kid{h}", family_names=surname(h)))
    return write_dataset(rows, folder)


def _run(*args: str) -> str:
    result = CliRunner().invoke(
        app, ["trends", "run", "--no-identity", "--no-faces", *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_listed_contact_forms_no_ring_from_the_cli_and_from_the_settings(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    data = _shelter_clients(data_dir / "data")
    listed = data_dir / "contacts.csv"
    listed.write_text(LIST, encoding="utf-8")
    assert "shared_contact_ring: 1" in _run("--from", str(data))  # without the list: a ring
    by_option = _run("--from", str(data), "--known-contacts", str(listed))
    assert "shared_contact_ring" not in by_option
    assert "shared_service_contact: 1" in by_option
    monkeypatch.setenv("PUERTA_KNOWN_CONTACTS_PATH", str(listed))
    get_settings.cache_clear()
    by_setting = _run("--from", str(data))
    assert "shared_contact_ring" not in by_setting
    assert "shared_service_contact: 1" in by_setting


def test_a_listed_address_joins_the_known_address_list() -> None:
    """Eight unrelated households at a listed church hall: reported as the listed place."""
    rows = [
        row(
            f"R{h}",
            0,
            given_names=f"Owner{h}",
            family_names=surname(h),
            address_line1="35 First St",
            address_line2="Suite 2",
            city="El Paso",
            state="TX",
            zip_code="79901",
            created_at=T0 + timedelta(days=8 * h),  # one household at a time, over weeks
        )
        for h in range(8)
    ]
    raw = pl.DataFrame(rows, infer_schema_length=None)
    plain = job.analyse(raw, with_identity=False)
    assert [f.kind for f in plain.findings if f.kind in (ADDRESS_CLUSTER, KNOWN_ADDRESS)] == [
        ADDRESS_CLUSTER
    ]
    listed = job.analyse(raw, with_identity=False, contacts=parse_known_contacts(LIST))
    (place,) = [f for f in listed.findings if f.kind in (ADDRESS_CLUSTER, KNOWN_ADDRESS)]
    assert place.kind == KNOWN_ADDRESS
    assert not place.flagged
