"""``GET /api/v1/challenge``: a signed proof-of-work challenge, and the header that brings
its solution back to the API's sign-up and registration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field

from puerta.pow import service
from puerta.web.deps import ClockDep, Public, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["proof of work"])

#: The solution, on ``POST /accounts`` and ``POST /registrations``.
ProofHeader = Annotated[
    str | None,
    Header(
        alias=service.HEADER,
        description="The solved proof-of-work challenge of `GET /api/v1/challenge`: the "
        "base64 JSON `{challenge, solution}` (ALTCHA's payload). Required: without it, or "
        "with one that is malformed, wrong, expired or already used, the request is "
        "refused with 400 `proof-of-work` (`challenge.*` codes).",
    ),
]


class ChallengeParameters(BaseModel):
    algorithm: str = Field(examples=[service.ALGORITHM])
    cost: int = Field(description="PBKDF2 iterations per counter tried.")
    keyLength: int  # ALTCHA's names
    keyPrefix: str = Field(description="The start of the derived key to find (hex).")
    nonce: str
    salt: str
    data: dict[str, int] = Field(
        description="`expires`: when the challenge stops being accepted (Unix seconds)."
    )


class ChallengeOut(BaseModel):
    parameters: ChallengeParameters
    signature: str


@router.get("/challenge", dependencies=[Public])
def challenge(settings: SettingsDep, clock: ClockDep, response: Response) -> ChallengeOut:
    """A new signed challenge (ALTCHA, PBKDF2-SHA-256), valid for `pow_expiry_seconds`.

    Find the counter from 0 upwards whose PBKDF2 key of `nonce ‖ counter` (big-endian
    uint32) over `salt` starts with `keyPrefix` (`altcha.solve_challenge` does it), then send
    `{challenge, solution: {counter, derivedKey}}` as base64 JSON in `X-Altcha`. Each
    solution is accepted once.
    """
    response.headers["Cache-Control"] = "no-store"
    made: dict[str, Any] = service.issue(settings=settings, clock=clock)
    return ChallengeOut.model_validate(made)


def widget_context(request: Request) -> dict[str, Any]:
    """What a page's form needs to show the widget (``_forms.html``, ``proof_of_work``):
    how long a solution lasts, so the page does the work again before it runs out."""
    return {"pow_seconds": request.app.state.settings.pow_expiry_seconds}
