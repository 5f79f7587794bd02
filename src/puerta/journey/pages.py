"""The applicant's registrations as pages: the list, and where each one stands.

The status page is the status API's use case (``journey.status.status_of``)
rendered for a person: every stage has its wording in the catalog, dates and
times are in the reader's language, the appointment's time in its port's own
time zone. A signed-out browser is sent to sign in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.errors import PuertaError
from puerta.journey.status import Stage, status_of
from puerta.ports.models import Port
from puerta.registration import service as registration_service
from puerta.web.deps import (
    APPLICANTS,
    ClockDep,
    Public,
    ReadSession,
    admit,
    authenticate,
    credential_of,
)
from puerta.web.pages import page

router = APIRouter(include_in_schema=False, dependencies=[Public])


def _applicant(request: Request, db: Session, clock: Clock) -> User | None:
    try:
        return admit(authenticate(db, credential_of(request), "GET", clock).user, APPLICANTS)
    except PuertaError:
        return None


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/registrations", response_class=HTMLResponse)
def registrations(request: Request, db: ReadSession, clock: ClockDep) -> Response:
    user = _applicant(request, db, clock)
    if user is None:
        return _to_sign_in()
    rows = []
    for registration in registration_service.list_owned(db, owner=user):
        current = status_of(db, registration, clock)
        rows.append(
            {
                "id": registration.id,
                "travelers": [f"{t.given_names} {t.family_names}" for t in registration.travelers],
                "message": current.message,
            }
        )
    return page(request, "journey/registrations.html", {"registrations": rows})


@router.get("/registrations/{registration_id}", response_class=HTMLResponse)
def status_page(
    registration_id: str, request: Request, db: ReadSession, clock: ClockDep
) -> Response:
    user = _applicant(request, db, clock)
    if user is None:
        return _to_sign_in()
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    current = status_of(db, registration, clock)
    details = dict(current.details)
    port = db.get(Port, details["port_code"]) if "port_code" in details else None
    facts: dict[str, Any] = {}
    if "pool_date" in details:
        facts["pool_date"] = date.fromisoformat(details["pool_date"])
    if current.stage in (Stage.SELECTED, Stage.CONFIRMED):
        facts["day"] = date.fromisoformat(details["date"])
    if current.stage == Stage.SELECTED:
        facts["deadline"] = datetime.fromisoformat(details["deadline"])
        facts["can_extend"] = details.get("can_extend", False)
    if current.stage == Stage.CONFIRMED:
        facts["slot_start"] = details["slot_start"]
        facts["code"] = details["code"]
    return page(
        request,
        "journey/status.html",
        {
            "registration_id": registration.id,
            "stage": current.stage.value,
            "message": current.message,
            "port": None
            if port is None
            else {
                "name": port.name,
                "address": port.address,
                "city": port.city,
                "state": port.state,
                "zip": port.zip_code,
                "timezone": port.timezone,
            },
            "travelers": [f"{t.given_names} {t.family_names}" for t in registration.travelers],
            **facts,
        },
    )
