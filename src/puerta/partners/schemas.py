"""Bodies of the partner endpoints, the admins' and the handover."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from puerta.accounts.schemas import Email
from puerta.registration.schemas import RegistrationIn, RegistrationOut
from puerta.registration.validation import clean_text, language_tag


class Contact(StrEnum):
    """Whose address reaches the person: their own, or the organisation's inbox."""

    OWN = "own"
    PARTNER = "partner"


class AssistedRegistrationIn(RegistrationIn):
    """A registration a partner makes for a person, and how the person is reached."""

    contact: Contact = Field(
        description="`own`: the person's email (give `email`); `partner`: your organisation's "
        "inbox, under a tag of the person's own (leave `email` out)."
    )
    email: Email | None = None
    language: Annotated[str, AfterValidator(language_tag)] | None = Field(
        default=None, description="The person's language for mail (default: the first traveler's)."
    )


class AssistedOut(BaseModel):
    """What the partner sees of a registration it made. After the person takes it over,
    ``registration`` is empty: it is theirs alone."""

    registration_id: str
    contact: Contact
    contact_email: str = Field(description="Where mail for the person goes.")
    created_at: datetime
    handed_over: bool
    registration: RegistrationOut | None
    handover_code: str | None = Field(
        default=None,
        description="Shown once, when made: give it to the person. With it they take the "
        "registration into an account of their own (`POST /api/v1/handover`).",
    )


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=12, max_length=20)


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(lambda s: clean_text(s, max_len=120))]
    inbox: Email


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    inbox: str
    is_active: bool
    created_at: datetime


class PartnerUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: str = Field(max_length=256)


class PartnerUserOut(BaseModel):
    id: int
    email: str
    organisation_id: int


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor_id: int | None = Field(
        description="The account that acted; empty: an operator's command."
    )
    organisation_id: int
    action: str
    registration_id: str | None
    detail: dict[str, object]


class ReportRowOut(BaseModel):
    """One partner's day, beside everyone's."""

    day: date
    organisation_id: int
    organisation: str
    registrations: int
    travelers: int
    requests: int
    selections: int
    share_of_registrations: float = Field(
        description="Of every registration that day, any channel."
    )
    peers_median_registrations: float = Field(description="The other partners' median that day.")
    baseline_registrations: float = Field(
        description="This partner's own median over the 7 days before."
    )
    selection_rate: float | None = Field(description="Selections per request, this partner.")
    rest_selection_rate: float | None = Field(description="Selections per request, everyone else.")
    flags: list[str] = Field(
        description="`jump`: far above its own 7-day baseline; `above_peers`: far above the "
        "other partners that day."
    )


class ReportOut(BaseModel):
    start: date
    end: date
    rows: list[ReportRowOut]
    totals: dict[str, dict[str, int]] = Field(
        description="Per day (ISO date), every channel: registrations, travelers, requests, "
        "selections."
    )
