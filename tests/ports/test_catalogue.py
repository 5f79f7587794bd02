"""One port catalogue: the demo, the importer, settings and the generator agree."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from puerta.config import Settings
from puerta.dataset import ports as dataset_ports
from puerta.db import Database
from puerta.ports import catalogue
from puerta.ports import service as ports_service
from puerta.ports.models import Port
from puerta.synth import profiles

ZONES = {
    "SYS": "America/Los_Angeles",
    "CXL": "America/Los_Angeles",
    "NOG": "America/Phoenix",
    "ELP": "America/Denver",
    "EGP": "America/Chicago",
    "LRD": "America/Chicago",
    "HID": "America/Chicago",
    "BRO": "America/Chicago",
}


def _rows(db: Database) -> list[dict[str, object]]:
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(Port).order_by(Port.code)).mappings().all()
    return [dict(r) for r in rows]


@pytest.mark.committing  # the import path runs on its own connection
def test_the_orm_and_the_import_path_create_the_same_ports(
    db: Database, settings: Settings
) -> None:
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
    by_demo = _rows(db)
    with db.engine.begin() as conn:
        conn.execute(sa.delete(Port))
        dataset_ports.insert_missing_ports(conn, settings)
    assert _rows(db) == by_demo
    assert [r["code"] for r in by_demo] == sorted(catalogue.CODES)


@pytest.mark.committing
def test_whichever_ran_first_the_port_keeps_its_hours(db: Database, settings: Settings) -> None:
    with db.engine.begin() as conn:
        dataset_ports.insert_missing_ports(conn, settings)
    with db.session() as s:
        ports = ports_service.ensure_ports(s, settings)
        assert {(p.opens_at, p.closes_at) for p in ports} == {(time(7), time(19))}


def test_only_one_function_is_called_ensure_ports() -> None:
    assert not hasattr(dataset_ports, "ensure_ports")


def test_each_port_has_its_zone_address_and_place() -> None:
    assert {p.code: p.timezone for p in catalogue.PORTS} == ZONES
    for port in catalogue.PORTS:
        assert port.address
        assert port.city
        assert len(port.state) == 2
        assert len(port.zip_code) == 5
        assert port.zip_code.isdigit()
        assert port.postal_address == f"{port.address}, {port.city}, {port.state} {port.zip_code}"
        assert 25.0 < port.latitude < 33.0
        assert -118.0 < port.longitude < -97.0
        assert port.opens_at < port.closes_at


def test_settings_and_the_generator_split_seats_over_the_catalogue() -> None:
    assert set(Settings().port_shares) == set(catalogue.CODES)
    assert set(profiles.PORTS) == set(catalogue.CODES)
    assert set(profiles.OIG_2023.port_shares) == set(catalogue.CODES)
    assert {p.code: p.default_share for p in catalogue.PORTS} == Settings().port_shares


def test_the_stored_port_carries_its_address(db: Database, settings: Settings) -> None:
    with db.session() as s:
        port = {p.code: p for p in ports_service.ensure_ports(s, settings)}["ELP"]
        assert port.address == catalogue.BY_CODE["ELP"].address
        assert port.city == "El Paso"
        assert port.state == "TX"


def test_the_public_port_list_gives_each_address(client: TestClient) -> None:
    body = {p["code"]: p for p in client.get("/api/v1/ports").json()}
    elp = body["ELP"]
    assert (elp["address"], elp["city"], elp["state"], elp["zip_code"]) == (
        "1000 S El Paso St",
        "El Paso",
        "TX",
        "79901",
    )
    assert (elp["latitude"], elp["longitude"]) == (31.7499, -106.4867)
