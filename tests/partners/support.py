"""Partner steps for the tests: organisations, partner accounts, a person registered."""

from __future__ import annotations

from typing import Any

from puerta.accounts.models import Role
from tests.api_support import Api, portrait_for, traveler

P = "/api/v1/partner/registrations"


def admin(api: Api) -> str:
    return api.staff("admin@hq.example", Role.ADMIN)


def register(api: Api, token: str, *, contact: str = "partner", **body: Any) -> dict[str, Any]:
    """A person registered by a partner, with a photo per traveler."""
    travelers = body.pop("travelers", None) or [traveler(given_names="Rosa", email=None)]
    r = api.client.post(
        P, json={"contact": contact, "travelers": travelers, **body}, headers=api.auth(token)
    )
    assert r.status_code == 201, r.text
    made = r.json()
    rid = made["registration_id"]
    for i in range(len(travelers)):
        put = api.client.put(
            f"{P}/{rid}/travelers/{i}/photo",
            files={"photo": ("p.png", portrait_for(rid, i), "image/png")},
            headers=api.auth(token),
        )
        assert put.status_code == 200, put.text
    return made


def ask(api: Api, token: str, rid: str, port: str = "SYS") -> Any:
    body = {"port_code": port, "latitude": 32.5149, "longitude": -117.0382}
    return api.client.post(f"{P}/{rid}/requests", json=body, headers=api.auth(token))
