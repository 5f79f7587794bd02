"""Request and response bodies for registrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from puerta.clock import today
from puerta.registration import validation as v


def _text(max_len: int):  # type: ignore[no-untyped-def]
    return AfterValidator(lambda s: v.clean_text(s, max_len=max_len))


class TravelerIn(BaseModel):
    """One traveler's advance information, as the applicant types it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_names: Annotated[str, _text(100)]
    family_names: Annotated[str, _text(100)]
    date_of_birth: date
    sex: Literal["F", "M", "X"]
    country_of_birth: Annotated[str, AfterValidator(v.country_code)]
    citizenship: Annotated[str, AfterValidator(v.country_code)]
    language: Annotated[str, AfterValidator(v.language_tag)]
    phone: Annotated[str, AfterValidator(v.phone_e164)] | None = None
    email: Annotated[str, AfterValidator(v.email_address)] | None = None
    address_line1: Annotated[str, _text(120)]
    address_line2: Annotated[str, _text(120)] | None = None
    city: Annotated[str, _text(80)]
    state: Annotated[str, AfterValidator(v.us_state)]
    zip_code: Annotated[str, AfterValidator(v.zip_code)] | None = None

    @field_validator("date_of_birth")
    @classmethod
    def _dob(cls, value: date) -> date:
        return v.birth_date(value, today())

    @field_validator("address_line2", "zip_code", "phone", "email", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    travelers: list[TravelerIn] = Field(min_length=1)
    device_id: str | None = Field(default=None, max_length=128)
    form_seconds: float | None = Field(default=None, ge=0, le=86_400)


class TravelerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    given_names: str
    family_names: str
    date_of_birth: date
    sex: str
    country_of_birth: str
    citizenship: str
    language: str
    phone: str | None
    email: str | None
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    zip_code: str | None
    has_photo: bool


class RegistrationOut(BaseModel):
    id: str
    status: str
    created_at: datetime
    travelers: list[TravelerOut]
    complete: bool = Field(description="Every traveler has a photo.")
