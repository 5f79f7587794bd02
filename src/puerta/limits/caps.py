"""The caps at the door: sign-ups, registrations and the appointment check.

Each is counted per device (tight: a phone makes an account or two) and per client
address (generous: a shelter's many applicants share one address), with the rates of
the settings (``sign_up_limit_per_device`` ...). The device is the id the client
presents (the API's ``device_id``, the pages' ``puerta_device`` cookie); a client that
presents none is counted by its address only. The appointment check is counted per
address alone: it has no device.

The tight rule is hit first, so a device over its cap costs its address nothing. Over
a cap the coded error (``429`` with ``Retry-After``) is raised before anything else is
written; with the database store the hits are in the caller's transaction, so a
refused or failed attempt leaves no count behind it either.

Example:
    >>> from puerta.config import Settings
    >>> [(r.name, r.limit, r.seconds) for r, _ in checks(Settings(_env_file=None),
    ...     SIGN_UP, ip="192.0.2.7", device="phone-1")]
    [('sign_up.device', 5, 86400), ('sign_up.address', 100, 3600), ('sign_up.address', 1000, 86400)]
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy.orm import Session

from puerta.config import Settings
from puerta.errors import AppointmentChecksCapped, RegistrationsCapped, SignUpsCapped
from puerta.limits.rules import Rule, parse
from puerta.limits.store import LimitStore

SIGN_UP = "sign_up"
REGISTRATION = "registration"
APPOINTMENT_CHECK = "appointment_check"
REFUSALS = {
    SIGN_UP: SignUpsCapped,
    REGISTRATION: RegistrationsCapped,
    APPOINTMENT_CHECK: AppointmentChecksCapped,
}


def checks(
    settings: Settings, kind: str, *, ip: str | None, device: str | None = None
) -> list[tuple[Rule, str]]:
    """The rules that apply to one attempt and the key each counts, tightest first."""
    out: list[tuple[Rule, str]] = []
    device = (device or "").strip()
    if device and kind != APPOINTMENT_CHECK:
        rate = getattr(settings, f"{kind}_limit_per_device")
        out += [(rule, device) for rule in parse(f"{kind}.device", rate)]
    if ip:
        rate = getattr(settings, f"{kind}_limit_per_address")
        out += [(rule, ip) for rule in parse(f"{kind}.address", rate)]
    return out


def _refuse(kind: str, seconds: int) -> None:
    error = REFUSALS[kind](minutes=max(1, math.ceil(seconds / 60)))
    raise error.waiting(seconds)


def enforce(
    store: LimitStore,
    session: Session,
    kind: str,
    *,
    settings: Settings,
    now: datetime,
    ip: str | None,
    device: str | None = None,
) -> None:
    """Count this attempt under every rule, or refuse it with the longest wait."""
    for rule, key in checks(settings, kind, ip=ip, device=device):
        verdict = store.hit(session, rule, key, now)
        if not verdict.allowed:
            _refuse(kind, verdict.retry_after)


def precheck(
    store: LimitStore,
    session: Session,
    kind: str,
    *,
    settings: Settings,
    now: datetime,
    ip: str | None,
    device: str | None = None,
) -> None:
    """Refuse early, counting nothing, if a rule is already full: before slow work
    (argon2 on sign-up), so that a capped bot costs no CPU. :func:`enforce` decides."""
    waits = [
        v.retry_after
        for rule, key in checks(settings, kind, ip=ip, device=device)
        if not (v := store.peek(session, rule, key, now)).allowed
    ]
    if waits:
        _refuse(kind, max(waits))
