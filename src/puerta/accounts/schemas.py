"""Bodies of the account endpoints."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from puerta.registration.validation import email_address, language_tag

Email = Annotated[str, Field(max_length=254), AfterValidator(email_address)]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: str = Field(max_length=256)
    #: The person's language; when absent, the one they were reading in when they signed up.
    language: Annotated[str, AfterValidator(language_tag)] | None = None
    #: The app's id for the device (as ``RegistrationIn.device_id``): counted by the cap on
    #: sign-ups per device, never stored with the account.
    device_id: str | None = Field(default=None, max_length=128)


class VerifyEmail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    code: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")


class ResendCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email


class ForgotPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email


class ResetPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    code: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")
    password: str = Field(max_length=256)


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: str = Field(max_length=256)


class SessionOut(BaseModel):
    token: str = Field(description="Send as 'Authorization: Bearer <token>' from API clients.")
    csrf_token: str = Field(description="Send as 'X-CSRF-Token' with cookie-authenticated writes.")
    expires_at: str
    user: UserOut
    second_factor: Literal["required", "enrol"] | None = Field(
        default=None,
        description="Staff only. 'required': the session opens nothing until "
        "POST /api/v1/sessions/current/second-factor is given a code; 'enrol': the account "
        "has no second factor yet: sign in on /staff/sign-in to set it up.",
    )


class SecondFactorCode(BaseModel):
    """A staff sign-in's second step: the 6-digit TOTP code, or a recovery code."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=32)


class SecondFactorOut(BaseModel):
    method: Literal["totp", "recovery"] = Field(
        description="How it was given: a TOTP code, or a recovery code (each works once)."
    )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    role: str
    port_code: str | None
    language: str
    email_verified: bool


SessionOut.model_rebuild()
