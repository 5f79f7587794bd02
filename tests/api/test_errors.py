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


def assert_problem(  # type: ignore[no-untyped-def]
    response, status: int, code: str, field: str | None = None
) -> dict:
    """A problem+json with this status and code (a field's own code for validation)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert "{" not in body["detail"], body  # every placeholder filled
    found = [(e["field"], e["code"]) for e in body.get("errors", [])]
    found.append((body.get("field"), body["code"]))
    if field is None:
        assert code in [c for _, c in found], body
    else:
        assert any(f and f.endswith(field) and c == code for f, c in found), body
    return body


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"given_names": None}, "given_names", "input.missing"),
        ({"given_names": " \t "}, "given_names", "value.required"),
        ({"given_names": "x" * 101}, "given_names", "value.too_long"),
        ({"date_of_birth": "2023-02-30"}, "date_of_birth", "input.date_from_datetime_parsing"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth", "value.birth_in_future"),
        ({"date_of_birth": 12}, "date_of_birth", "input.date_from_datetime_inexact"),
        ({"sex": "Q"}, "sex", "input.literal_error"),
        ({"phone": "not a phone"}, "phone", "value.phone"),
        ({"phone": "+52 1"}, "phone", "value.phone"),
        ({"citizenship": "XX"}, "citizenship", "value.country"),
        ({"language": "not a language!"}, "language", "value.language"),
        ({"state": "ZZ"}, "state", "value.us_state"),
        ({"zip_code": "ABCDE"}, "zip_code", "value.zip_code"),
        ({"email": "nobody"}, "email", "value.email"),
        ({"surprise": "field"}, "surprise", "input.extra_forbidden"),
    ],
)
def test_bad_traveler_fields(api: Api, change: dict, field: str, code: str) -> None:
    token = api.sign_up_verified("bad@example.org")
    body = {
        "travelers": [
            traveler(),
            {k: v for k, v in {**traveler(), **change}.items() if v is not None},
        ]
    }
    before = counts(api)
    r = api.client.post("/api/v1/registrations", json=body, headers=api.auth(token))
    problem = assert_problem(r, 422, code, field)
    assert problem["code"] == "input.summary"
    assert "travelers.1" in problem["errors"][0]["field"]
    assert counts(api) == before


def test_missing_body_and_wrong_types(api: Api) -> None:
    token = api.sign_up_verified("types@example.org")
    assert_problem(
        api.client.post("/api/v1/registrations", headers=api.auth(token)), 422, "input.missing"
    )
    assert_problem(
        api.client.post("/api/v1/registrations", json={"travelers": "x"}, headers=api.auth(token)),
        422,
        "input.list_type",
        "travelers",
    )
    assert_problem(
        api.client.post("/api/v1/registrations", json={"travelers": []}, headers=api.auth(token)),
        422,
        "input.too_short",
        "travelers",
    )


def test_too_many_travelers(api: Api) -> None:
    token = api.sign_up_verified("many@example.org")
    body = {"travelers": [traveler()] * 11}
    assert_problem(
        api.client.post("/api/v1/registrations", json=body, headers=api.auth(token)),
        422,
        "registration.too_many_travelers",
        "travelers",
    )
    assert counts(api) == (0, 0)


def test_photo_errors(api: Api) -> None:
    token = api.sign_up_verified("photo@example.org")
    rid = api.registration(token, photos=False)
    big = b"\xff\xd8\xff" + b"0" * 20_000_000
    assert_problem(api.photo(token, rid, 0, big), 413, "upload.too_large", "photo")
    pdf = b"%PDF-1.4 not an image"
    assert_problem(api.photo(token, rid, 0, pdf), 415, "photo.unsupported_type", "photo")
    broken = b"\x89PNG\r\n\x1a\n broken"
    assert_problem(api.photo(token, rid, 0, broken), 422, "photo.unreadable", "photo")
    assert_problem(api.photo(token, rid, 7, b"\x89PNG\r\n\x1a\n"), 404, "registration.no_traveler")
    r = api.client.get(f"/api/v1/registrations/{rid}", headers=api.auth(token))
    assert r.json()["complete"] is False


def test_request_refusals(api: Api) -> None:
    token = api.sign_up_verified("req@example.org")
    incomplete = api.registration(token, photos=False)
    assert_problem(api.request(token, incomplete), 422, "request.photos_missing", "travelers")
    rid = api.registration(token)
    assert_problem(api.request(token, rid, "XXX"), 404, "port.not_found", "port_code")
    outside = "request.outside_area"
    # Mexico City is at the edge; Tapachula, far south, is outside the eligible area.
    assert_problem(api.request(token, rid, "SYS", latitude=14.9, longitude=-92.26), 403, outside)
    # Houston is in the United States.
    assert_problem(api.request(token, rid, "SYS", latitude=29.76, longitude=-95.37), 403, outside)
    far = api.request(token, rid, "SYS", latitude=123, longitude=0)
    assert_problem(far, 422, "input.less_than_equal", "latitude")
    api.clock.advance(hours=1, minutes=30)  # 11:30 New York: the draw hour
    body = assert_problem(api.request(token, rid), 409, "request.window_closed")
    assert body["params"] == {
        "opens_at": "2026-03-04T12:00:00-05:00",
        "timezone": "America/New_York",
    }


def test_unknown_route_and_method(api: Api) -> None:
    missing = assert_problem(api.client.get("/api/v1/nothing-here"), 404, "http.not_found")
    assert missing["type"] == "/problems/not-found"  # the same category as the domain's 404s
    assert_problem(api.client.delete("/api/v1/ports"), 405, "http.method_not_allowed")
    unauthenticated = assert_problem(api.client.get("/api/v1/me"), 401, "auth.required")
    assert unauthenticated["type"] == "/problems/unauthenticated"
