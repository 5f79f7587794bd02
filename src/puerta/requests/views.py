"""Asking for an appointment."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from puerta.registration import service as registration_service
from puerta.requests import service
from puerta.requests.schemas import RequestIn, RequestOut
from puerta.web.deps import Applicant, ClockDep, DbSession, ReadSession, SettingsDep, client_ip

router = APIRouter(prefix="/api/v1/registrations", tags=["requests"])


@router.post("/{registration_id}/requests", status_code=status.HTTP_201_CREATED)
def request_appointment(
    registration_id: str,
    body: RequestIn,
    request: Request,
    response: Response,
    user: Applicant,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> RequestOut:
    """Join the pool of the current window. Asking again returns the same request (200)."""
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    before = {r.id for r in service.requests_for(db, registration)}
    made = service.request_appointment(
        db,
        registration=registration,
        data=body,
        settings=settings,
        clock=clock,
        ip=client_ip(request),
    )
    db.flush()
    if made.id in before:
        response.status_code = status.HTTP_200_OK
    return RequestOut.model_validate(made)


@router.get("/{registration_id}/requests")
def list_requests(registration_id: str, user: Applicant, db: ReadSession) -> list[RequestOut]:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return [RequestOut.model_validate(r) for r in service.requests_for(db, registration)]
