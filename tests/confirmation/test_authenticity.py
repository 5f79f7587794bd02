""" "Is this appointment real?": the service, the endpoint and the page.

Valid gives the port and the day only; a wrong name, a wrong code, a cancelled
appointment and one whose day has passed give one and the same "not valid".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation import authenticity
from puerta.confirmation.models import Appointment
from puerta.db import Database
from puerta.limits.store import LimitStore
from puerta.web.app import create_app
from tests.draw.world import person, registration

CODE = "7KQ2M9XD4T"
DAY = date(2026, 3, 18)
HTML = {"Accept": "text/html"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        secret_key="test-secret",
        _env_file=None,
        appointment_check_limit_per_address="3/hour",
    )


def _book(
    db: Database, settings: Settings, clock: FrozenClock, code: str = CODE, status: str = "booked"
) -> str:
    travelers = [person("Ana Lucía", "Morales Pérez"), person("Luis", "Núñez de la Cruz")]
    rid = registration(db, settings, clock, travelers)
    with db.session() as s:
        s.add(
            Appointment(
                registration_id=rid,
                port_code="SYS",
                day=DAY,
                slot_start=time(8, 0),
                seats=2,
                code=code,
                status=status,
                created_at=clock.now(),
            )
        )
    return rid


@pytest.fixture
def booked(db: Database, settings: Settings, clock: FrozenClock) -> Database:
    _book(db, settings, clock)
    return db


def _check(db: Database, clock: FrozenClock, code: str, name: str) -> authenticity.Answer:
    with db.session() as s:
        return authenticity.check(s, code=code, family_name=name, now=clock.now())


def test_a_real_appointment_gives_its_port_and_day(booked: Database, clock: FrozenClock) -> None:
    answer = _check(booked, clock, CODE, "Morales Pérez")
    assert answer == authenticity.Answer(True, "SYS", "San Ysidro", DAY)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("7kq2-m9xd-4t", "morales"),  # as a person types the code, one of two surnames
        (" 7KQ2 M9XD 4T ", "  MORALES   perez "),
        ("7KQ2-M9XD-4T", "Morales-Pérez"),
        ("7KQ2M9XD4T", "nunez"),  # any traveler of the group; accents folded
        ("7KQ2M9XD4T", "de la Cruz"),  # particles dropped
        ("7KQ2M9XD4T", "Cruz Núñez"),  # word order
        ("7KQ2M9XD4T", "МОРАЛЕС"),  # another script, romanised
    ],
)
def test_the_code_and_name_are_read_as_people_write_them(
    booked: Database, clock: FrozenClock, code: str, name: str
) -> None:
    assert _check(booked, clock, code, name).valid


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (CODE, "Gómez"),  # wrong name
        (CODE, "Mor"),  # part of a word is not the name
        (CODE, "Morales Gómez"),  # every word typed must be the traveler's
        (CODE, "\u200b\u200b"),  # invisible only
        ("7KQ2M9XD4V", "Morales"),  # wrong code
        ("", "Morales"),
    ],
)
def test_a_wrong_code_or_name_is_not_valid_and_says_no_more(
    booked: Database, clock: FrozenClock, code: str, name: str
) -> None:
    assert _check(booked, clock, code, name) is authenticity.NOT_VALID


def test_a_cancelled_appointment_is_not_valid(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    _book(db, settings, clock, status="cancelled")
    assert _check(db, clock, CODE, "Morales") is authenticity.NOT_VALID


def test_an_appointment_whose_day_has_passed_is_not_valid(
    booked: Database, clock: FrozenClock
) -> None:
    clock.set(clock.now().replace(month=3, day=18, hour=23))  # 16:00 on the day at the port
    assert _check(booked, clock, CODE, "Morales").valid
    clock.set(clock.now().replace(day=19, hour=9))  # 02:00 the day after, in San Ysidro
    assert _check(booked, clock, CODE, "Morales") is authenticity.NOT_VALID


# --- the endpoint and the page, on both limits stores ------------------------------------------


@pytest.fixture
def client(
    app_db: Database, settings: Settings, clock: FrozenClock, limit_store: LimitStore
) -> Iterator[TestClient]:
    _book(app_db, settings, clock)
    app = create_app(settings, db=app_db, clock=clock, limits=limit_store)
    with TestClient(app, base_url="https://testserver") as c:
        yield c


def _post(client: TestClient, code: str, name: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/appointments/check", json={"code": code, "family_name": name})


def test_the_endpoint_answers_valid_with_port_and_day_only(client: TestClient) -> None:
    r = _post(client, "7kq2-m9xd-4t", "morales")
    assert r.status_code == 200
    assert r.json() == {
        "valid": True,
        "port": {"code": "SYS", "name": "San Ysidro"},
        "date": "2026-03-18",
    }


def test_the_endpoint_answers_every_wrong_part_alike(client: TestClient) -> None:
    wrong_name = _post(client, CODE, "Gómez")
    wrong_code = _post(client, "7KQ2M9XD4V", "Morales")
    assert wrong_name.status_code == wrong_code.status_code == 200
    assert wrong_name.content == wrong_code.content
    assert wrong_name.json() == {"valid": False, "port": None, "date": None}


def test_checks_are_capped_per_address(client: TestClient) -> None:
    for _ in range(3):
        assert _post(client, "7KQ2M9XD4V", "Morales").status_code == 200
    r = client.post(
        "/api/v1/appointments/check",
        json={"code": CODE, "family_name": "Morales"},
        headers={"Accept-Language": "es"},
    )
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (r.json()["code"], r.headers["Content-Language"]) == ("limit.appointment_checks", "es")


def test_the_endpoint_is_in_the_openapi_document(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/appointments/check"]["post"]
    assert {"200", "429"} <= set(operation["responses"])


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _page_check(client: TestClient, code: str, name: str):  # type: ignore[no-untyped-def]
    form = client.get("/appointments/check", headers=HTML)
    assert form.status_code == 200
    data = {"code": code, "family_name": name, "csrf_token": _token(form.text)}
    return client.post("/appointments/check", data=data, headers=HTML)


def test_the_page_is_linked_from_every_footer(client: TestClient) -> None:
    assert 'href="/appointments/check"' in client.get("/", headers=HTML).text


def test_the_page_says_real_with_port_and_day(client: TestClient) -> None:
    r = _page_check(client, "7kq2 m9xd 4t", "MORALES")
    assert r.status_code == 200
    assert "This appointment is real" in r.text
    assert "San Ysidro" in r.text
    assert "March 18, 2026" in r.text
    assert "Ana" not in r.text  # no names beyond what was typed


def test_the_page_says_not_valid_and_that_puerta_is_free(client: TestClient) -> None:
    r = _page_check(client, CODE, "Gómez")
    assert r.status_code == 200
    assert "We cannot confirm this appointment" in r.text
    assert "Nobody can sell you an appointment" in r.text
    assert "San Ysidro" not in r.text


def test_the_page_over_the_cap_keeps_what_was_typed(client: TestClient) -> None:
    for _ in range(3):
        assert _page_check(client, CODE, "Gómez").status_code == 200
    r = _page_check(client, CODE, "Morales")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "Many appointments were checked from this network" in r.text
    assert f'value="{CODE}"' in r.text
    assert 'value="Morales"' in r.text
    assert "This appointment is real" not in r.text
