"""An applicant's appointment requests.

Asking for one (``POST .../requests``) is a journey step, in ``puerta.journey.views``:
it must know that no offer or appointment already stands, which later steps own.
"""

from __future__ import annotations

from fastapi import APIRouter

from puerta.errors import (
    RegistrationNotFound,
)
from puerta.registration import service as registration_service
from puerta.requests import service
from puerta.requests.schemas import RequestOut
from puerta.web.deps import Applicant, ReadSession
from puerta.web.openapi import raises

router = APIRouter(prefix="/api/v1/registrations", tags=["requests"])


@router.get("/{registration_id}/requests")
@raises(RegistrationNotFound)
def list_requests(registration_id: str, user: Applicant, db: ReadSession) -> list[RequestOut]:
    registration = registration_service.get_owned(db, registration_id=registration_id, owner=user)
    return [RequestOut.model_validate(r) for r in service.requests_for(db, registration)]
