"""A proof of work on the two doors bots push hardest: sign-up and sending a registration.

The report saw registrations made seconds apart by scripts. Caps per address and device
(``limits``) bound how many each source makes; this makes every single one cost some
CPU time, which a person's phone spends while they type and a farm pays a million times.
No third party is involved: the challenge, the solution and the check all stay between
the browser (the vendored ALTCHA widget, ``static/proof.js``) or an API client and Puerta.

ALTCHA's protocol (PoW v2, ``altcha`` on PyPI) with PBKDF2-SHA-256:

- :func:`issue` signs a challenge (HMAC-SHA-256 with a key derived from ``secret_key``)
  in the library's *deterministic* mode: Puerta draws the counter below
  ``pow_max_number`` and the challenge names the start of its derived key, so the client
  must try counters from 0 up to that one: half of ``pow_max_number`` on average and
  never more, where a "key starts with 00" search would sometimes take many times longer.
  Issuing costs Puerta one derivation (``pow_cost`` iterations).
- :func:`check` (pure, no store) reads the payload and refuses, each with its own code:
  missing, malformed, wrong (signature or solution, checked by the library), expired.
- :func:`spend` remembers the challenge in ``pow_spent`` until it expires, so a solution
  opens one door once: the nonce is the primary key, and a second use, even racing on
  another worker, finds the row (``INSERT ... ON CONFLICT DO NOTHING RETURNING``).
  The row belongs to the caller's transaction: a sign-up that is refused for another
  reason rolls it back, and the person's solution still counts for their next try.

Why the expiry is in the signed ``data`` rather than the library's ``expiresAt``: the
library compares ``expiresAt`` with the machine's clock, and Puerta's rules read the
injected :class:`~puerta.clock.Clock` (tests and replays move time). The signature covers
``data`` as it covers everything else, so it cannot be changed either.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import altcha
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.config import Settings
from puerta.errors import ProofExpired, ProofMalformed, ProofMissing, ProofReplayed, ProofWrong
from puerta.pow.models import SpentChallenge

ALGORITHM = "PBKDF2/SHA-256"
#: A payload is a few hundred bytes of base64; anything much longer is not one of ours.
MAX_PAYLOAD = 4096
#: The form field (and the widget's ``name``) and the API's header.
FIELD = "altcha"
HEADER = "X-Altcha"

Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{2,256}$")]


class _Parameters(BaseModel):
    model_config = ConfigDict(extra="allow")

    algorithm: str
    nonce: Hex
    salt: Hex
    cost: StrictInt
    keyLength: StrictInt  # the protocol's names
    keyPrefix: Hex
    data: dict[str, StrictInt]


class _Challenge(BaseModel):
    parameters: _Parameters
    signature: Hex


class _Solution(BaseModel):
    counter: StrictInt = Field(ge=0, le=0xFFFFFFFF)
    derivedKey: Hex


class _Payload(BaseModel):
    challenge: _Challenge
    solution: _Solution


@dataclass(frozen=True)
class Proof:
    """A solved, signed, unexpired challenge: ready to be spent once."""

    nonce: str
    expires_at: datetime


def signing_key(settings: Settings) -> str:
    """The challenges' HMAC key: derived from ``secret_key`` for this one use, so a
    signature made here is worth nothing anywhere else the secret is used."""
    return hmac.new(
        settings.secret_key.encode(), b"puerta-proof-of-work-v1", hashlib.sha256
    ).hexdigest()


def issue(*, settings: Settings, clock: Clock) -> dict[str, Any]:
    """A new signed challenge, as the widget and ``altcha.solve_challenge`` read it."""
    expires = clock.now() + timedelta(seconds=settings.pow_expiry_seconds)
    challenge = altcha.create_challenge(
        ALGORITHM,
        settings.pow_cost,
        counter=secrets.randbelow(settings.pow_max_number),
        data={"expires": int(expires.timestamp())},
        hmac_secret=signing_key(settings),
    )
    return challenge.to_dict()


def _parsed(payload: str) -> tuple[dict[str, Any], _Payload]:
    if len(payload) > MAX_PAYLOAD:
        raise ProofMalformed()
    try:
        raw = json.loads(base64.b64decode(payload.strip(), validate=True))
        return raw, _Payload.model_validate(raw)
    except (binascii.Error, ValueError, TypeError, ValidationError):
        raise ProofMalformed() from None


def check(payload: str | None, *, settings: Settings, clock: Clock) -> Proof:
    """The proof in ``payload`` (base64 JSON, as the widget posts it), or why not.

    Pure and quick (one derivation of ``pow_cost`` iterations): a view calls it before
    slow work such as argon2, and :func:`spend` once it holds the request's transaction.
    """
    if payload is None or not payload.strip():
        raise ProofMissing()
    raw, parsed = _parsed(payload)
    expires = parsed.challenge.parameters.data.get("expires")
    if expires is None:
        raise ProofMalformed()
    try:
        result = altcha.verify_solution(altcha.Payload.from_dict(raw), signing_key(settings))
    except (ValueError, TypeError, KeyError):
        raise ProofMalformed() from None
    if not result.verified:
        raise ProofWrong()
    try:
        expires_at = datetime.fromtimestamp(expires, UTC)
    except (OverflowError, OSError, ValueError):  # signed by us, so never: but not a 500
        raise ProofMalformed() from None
    if expires_at <= clock.now():
        raise ProofExpired()
    return Proof(nonce=parsed.challenge.parameters.nonce, expires_at=expires_at)


def spend(session: Session, proof: Proof) -> None:
    """Remember the proof as used, in the caller's transaction; a second use is refused.

    One statement, atomic on both backends: the nonce is the primary key, so of two
    requests racing with one solution, one inserts and the other gets no row back
    (PostgreSQL makes it wait for the first to commit; SQLite's writers take turns).
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(SpentChallenge)
        .values(nonce=proof.nonce, expires_at=proof.expires_at)
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(SpentChallenge.nonce)
    )
    if session.execute(statement).scalar_one_or_none() is None:
        raise ProofReplayed()


def require(session: Session, payload: str | None, *, settings: Settings, clock: Clock) -> Proof:
    """Check and spend: the one call a view makes when it has no slow work to do first."""
    proof = check(payload, settings=settings, clock=clock)
    spend(session, proof)
    return proof


def sweep(session: Session, *, clock: Clock) -> int:
    """Forget spent proofs whose challenges have expired (they would be refused as
    expired anyway); how many. Run by the scheduler."""
    result = session.execute(delete(SpentChallenge).where(SpentChallenge.expires_at < clock.now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def solve(challenge: dict[str, Any]) -> str:
    """A challenge solved as an API client would (``altcha.solve_challenge``), as the
    payload to send in ``X-Altcha``: for the demo's tour, the tests and the benchmarks."""
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed)
    if solution is None:
        raise TimeoutError("the challenge was not solved in time")
    return altcha.Payload(parsed, solution).to_base64()
