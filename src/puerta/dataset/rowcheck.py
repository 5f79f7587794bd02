"""Validation of data-set rows with the API's own rules.

Traveler fields go through ``puerta.registration.schemas.TravelerIn`` (the
model the API validates with), whole, phone included. This is the exact path:
``fastcheck`` proves most registrations valid more cheaply and sends the rest
here, which also gives the reasons.

An invalid *optional* value (a column the format lets be null: ``OPTIONAL``)
need not cost a family its registration: unless strict, it is blanked and the
registration checked again without it (``check_registration``). Which columns
are optional is read from the format's own schema, so this follows the
documented format by construction.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import ValidationError

from puerta.dataset.schema import REGISTRATION_LEVEL, REGISTRATIONS, TRAVELER_FIELDS
from puerta.errors import InvalidValue, Required, TextTooLong
from puerta.lifecycle import RegistrationStatus
from puerta.ports import catalogue
from puerta.registration.schemas import TravelerIn

_STATUSES = {s.value for s in RegistrationStatus}

#: Columns documented as optional (nullable in schema version 1): a bad value in
#: one of them can be blanked instead of rejecting the registration.
OPTIONAL_TRAVELER = frozenset(f for f in TRAVELER_FIELDS if REGISTRATIONS.field(f).nullable)
OPTIONAL_LEVEL = frozenset(f for f in REGISTRATION_LEVEL if REGISTRATIONS.field(f).nullable)
OPTIONAL = OPTIONAL_TRAVELER | OPTIONAL_LEVEL


@dataclass
class Checked:
    """One registration after validation: its clean values, or reasons per row."""

    registration_id: str
    level: dict[str, Any]  # registration-level values, parsed
    travelers: list[dict[str, Any]]  # clean traveler fields, in order
    originals: Sequence[dict[str, Any]]  # the rows as read, for the rejects file
    reasons: dict[int, list[str]]  # row position -> reasons
    #: optional values blanked to keep the registration: (row position, reason)
    blanked: list[tuple[int, Reason]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("must be a UTC timestamp with its zone (e.g. 2023-01-12T14:00:05Z)")
    return value.astimezone(UTC)


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        raise ValueError("must be a date, not a timestamp")
    return value if isinstance(value, date) else date.fromisoformat(str(value).strip())


def _time(value: Any) -> time | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, time) else time.fromisoformat(str(value).strip())


def _dates(value: Any) -> list[date]:
    if value in (None, ""):
        return []
    items = value.split(";") if isinstance(value, str) else list(value)
    return sorted({d for d in (_date(x) for x in items) if d is not None})


def _float(value: Any) -> float | None:
    if value in (None, ""):
        return None
    out = float(value)
    if not 0 <= out <= 86_400:
        raise ValueError("must be between 0 and 86400 seconds")
    return out


def _port(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if value not in catalogue.BY_CODE:
        raise ValueError(f"unknown port code {value!r}")
    return str(value)


def _text(value: Any, max_len: int, required: bool) -> str | None:
    if value in (None, ""):
        if required:
            raise Required()
        return None
    text = str(value)
    if len(text) > max_len:
        raise TextTooLong(max_length=max_len)
    return text


def _ip(value: Any) -> str | None:
    text = _text(value, 45, False)
    return None if text is None else str(ipaddress.ip_address(text))


def _status(value: Any) -> str:
    text = _text(value, 16, False) or "active"
    if text not in _STATUSES:
        raise ValueError(f"must be one of {', '.join(sorted(_STATUSES))}")
    return text


_LEVEL_PARSERS = {
    "registration_id": lambda x: _text(x, 24, True),
    "account_id": lambda x: _text(x, 64, True),
    "registration_status": _status,
    "created_at": _datetime,
    "device_id": lambda x: _text(x, 128, False),
    "ip": _ip,
    "form_seconds": _float,
    "requested_port": _port,
    "request_dates": _dates,
    "appointment_port": _port,
    "appointment_date": _date,
    "appointment_time": _time,
}


class Reason(str):
    """One reject reason as ``field: text``, carrying its stable ``code``.

    The rejects file writes the texts in ``reject_reason`` and the codes in
    ``reject_codes``: the codes are the error catalogue's (``value.phone``,
    ``input.missing``...) where the API's rules said no, else ``import.*``.
    """

    code: str
    #: the one column whose own value is wrong (None for structural reasons,
    #: such as rows that disagree): only such a reason can be blanked away
    column: str | None

    @classmethod
    def of(cls, where: str, code: str, text: str, *, column: str | None = None) -> Reason:
        out = cls(f"{where}: {text}")
        out.code = code
        out.column = column
        return out


def _exc_code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, InvalidValue) else "import.format"


def _registration_level(row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    reasons: list[str] = []
    for name in REGISTRATION_LEVEL:
        try:
            out[name] = _LEVEL_PARSERS[name](row.get(name))
        except (ValueError, TypeError) as exc:
            reasons.append(Reason.of(name, _exc_code(exc), str(exc), column=name))
    appt = [out.get(k) for k in ("appointment_port", "appointment_date", "appointment_time")]
    if any(a is not None for a in appt) and not all(a is not None for a in appt):
        reasons.append(
            Reason.of(
                "appointment_port, appointment_date, appointment_time",
                "import.appointment_incomplete",
                "all or none",
            )
        )
    if out.get("request_dates") and out.get("requested_port") is None:
        reasons.append(
            Reason.of(
                "requested_port",
                "import.requested_port_missing",
                "is required when there are request dates",
            )
        )
    return out, reasons


def _traveler(row: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    fields = {k: row.get(k) for k in TRAVELER_FIELDS}
    try:
        return TravelerIn.model_validate(fields).model_dump(), []
    except ValidationError as exc:
        reasons: list[str] = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "row"
            cause = (err.get("ctx") or {}).get("error")
            code = cause.code if isinstance(cause, InvalidValue) else f"input.{err['type']}"
            text = err["msg"].removeprefix("Value error, ")
            column = str(err["loc"][0]) if len(err["loc"]) == 1 else None
            reasons.append(Reason.of(where, code, text, column=column))
        return None, reasons


def _int(value: Any) -> int:
    return int(value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "t", "yes"):
        return True
    if text in ("false", "0", "f", "no"):
        return False
    raise ValueError(f"{value!r} is not a boolean")


def check_registration(
    rows: Sequence[dict[str, Any]], max_travelers: int, *, strict: bool = True
) -> Checked:
    """Validate all rows of one registration.

    Strict: any bad value rejects the whole registration. Not strict: when every
    reason is a bad value of an optional column (``OPTIONAL``), those values are
    blanked and the registration is checked again; if it then holds (the
    cross-column rules too: blanking ``requested_port`` while there are request
    dates does not), it is kept, with the blanked values in ``Checked.blanked``.
    Otherwise it is rejected with its original reasons. A registration is never
    kept with a required value missing, and never half.
    """
    checked = _check_registration(rows, max_travelers)
    if checked.ok or strict:
        return checked
    found = [(pos, r) for pos, why in checked.reasons.items() for r in why]
    if not all(getattr(r, "column", None) in OPTIONAL for _, r in found):
        return checked
    blanked_rows = [dict(row) for row in rows]
    for pos, reason in found:
        column = reason.column  # type: ignore[attr-defined]
        # a registration-level value repeats on every row: blank it on all of them
        for row in blanked_rows if column in OPTIONAL_LEVEL else [blanked_rows[pos]]:
            row[column] = None
    again = _check_registration(blanked_rows, max_travelers)
    if not again.ok:
        return checked
    again.originals = rows
    again.blanked = found  # type: ignore[assignment]
    return again


def _check_registration(rows: Sequence[dict[str, Any]], max_travelers: int) -> Checked:
    """Every reason of every row of one registration (none: it is valid)."""
    reasons: dict[int, list[str]] = {}
    level, level_reasons = _registration_level(rows[0])
    travelers = []
    if len(rows) > max_travelers:
        level_reasons.append(
            Reason.of(
                "registration", "import.too_many_travelers", f"more than {max_travelers} travelers"
            )
        )
    for pos, row in enumerate(rows):
        mine: list[str] = list(level_reasons) if pos == 0 else []
        try:
            index = _int(row.get("traveler_index"))
            if index != pos:
                mine.append(
                    Reason.of(
                        "traveler_index",
                        "import.traveler_index",
                        f"expected {pos} (rows 0..n-1 in order), got {index}",
                    )
                )
            if _bool(row.get("is_owner")) != (index == 0):
                mine.append(
                    Reason.of(
                        "is_owner",
                        "import.is_owner",
                        "must be true exactly at traveler_index 0 (schema 1)",
                    )
                )
        except (TypeError, ValueError) as exc:
            mine.append(Reason.of("traveler_index/is_owner", "import.format", str(exc)))
        if pos:
            diff = [k for k in REGISTRATION_LEVEL if row.get(k) != rows[0].get(k)]
            if diff:
                mine.append(
                    Reason.of(
                        ", ".join(diff),
                        "import.row_differs",
                        "differs from the registration's first row",
                    )
                )
        clean, why = _traveler(row)
        mine += why
        if mine:
            reasons[pos] = mine
        travelers.append(clean or {})
    rid = str(rows[0].get("registration_id") or "")
    return Checked(rid, level, travelers, rows, reasons)
