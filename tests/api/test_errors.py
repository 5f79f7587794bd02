"""Bad input of every kind: a 4xx problem+json naming the field; nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from puerta.registration.models import Registration, Traveler
from tests.api_support import Api, traveler


def counts(api: Api) -> tuple[int, int]:
    with api.db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Registration)) or 0,
            s.scalar(select(func.count()).select_from(Traveler)) or 0,
        )


def assert_problem(response, status: int, field: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])] + [body.get("field")]
        assert any(f and f.endswith(field) for f in fields), body
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_names": None}, "given_names"),
        ({"date_of_birth": "2023-02-30"}, "date_of_birth"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth"),
        ({"date_of_birth": 12}, "date_of_birth"),
        ({"sex": "Q"}, "sex"),
        ({"phone": "not a phone"}, "phone"),
        ({"phone": "+52 1"}, "phone"),
        ({"citizenship": "XX"}, "citizenship"),
        ({"language": "not a language!"}, "language"),
        ({"state": "ZZ"}, "state"),
        ({"zip_code": "ABCDE"}, "zip_code"),
        ({"email": "nobody"}, "email"),
        ({"surprise": "field"}, "surprise"),
    ],
)
def test_bad_traveler_fields(api: Api, change: dict, field: str) -> None:
    token = api.sign_up_verified("bad@example.org")
    body = {
        "travelers": [
            traveler(),
            {k: v for k, v in {**traveler(), **change}.items() if v is not None},
        ]
    }
    before = counts(api)
    r = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))
    problem = assert_problem(r, 422, field)
    assert "travelers.1" in problem["errors"][0]["field"]
    assert counts(api) == before


def test_missing_body_and_wrong_types(api: Api) -> None:
    token = api.sign_up_verified("types@example.org")
    assert_problem(api.client.post("/api/v1/registrations", headers=api.auth(token)), 422)
    assert_problem(
        api.client.post("/api/v1/registrations", json={"travelers": "x"}, headers=api.auth(token)),
        422,
        "travelers",
    )
    assert_problem(
        api.client.post("/api/v1/registrations", json={"travelers": []}, headers=api.auth(token)),
        422,
        "travelers",
    )


def test_too_many_travelers(api: Api) -> None:
    token = api.sign_up_verified("many@example.org")
    body = {"travelers": [traveler()] * 11}
    assert_problem(
        api.client.post("/api/v1/registrations", json=body, headers=api.auth(token)),
        422,
        "travelers",
    )
    assert counts(api) == (0, 0)


def test_photo_errors(api: Api) -> None:
    token = api.sign_up_verified("photo@example.org")
    rid = api.registration(token, photos=False)
    assert_problem(api.photo(token, rid, 0, b"\xff\xd8\xff" + b"0" * 20_000_000), 413, "photo")
    assert_problem(api.photo(token, rid, 0, b"%PDF-1.4 not an image"), 415, "photo")
    assert_problem(api.photo(token, rid, 0, b"\x89PNG\r\n\x1a\n broken"), 422, "photo")
    assert_problem(api.photo(token, rid, 7, b"\x89PNG\r\n\x1a\n"), 404)
    r = api.client.get(f"/api/v1/registrations/{rid}", headers=api.auth(token))
    assert r.json()["complete"] is False


def test_request_refusals(api: Api) -> None:
    token = api.sign_up_verified("req@example.org")
    incomplete = api.registration(token, photos=False)
    assert_problem(api.request(token, incomplete), 422, "travelers")
    rid = api.registration(token)
    assert_problem(api.request(token, rid, "XXX"), 404, "port_code")
    # Mexico City is at the edge; Tapachula, far south, is outside the eligible area.
    assert_problem(api.request(token, rid, "SYS", latitude=14.9, longitude=-92.26), 403)
    # Houston is in the United States.
    assert_problem(api.request(token, rid, "SYS", latitude=29.76, longitude=-95.37), 403)
    assert_problem(api.request(token, rid, "SYS", latitude=123, longitude=0), 422, "latitude")
    api.clock.advance(hours=1, minutes=30)  # 11:30 New York: the draw hour
    body = assert_problem(api.request(token, rid), 409)
    assert "12:00" in body["detail"]


def test_unknown_route_and_method(api: Api) -> None:
    assert_problem(api.client.get("/api/v1/nothing-here"), 404)
    assert_problem(api.client.delete("/api/v1/ports"), 405)
