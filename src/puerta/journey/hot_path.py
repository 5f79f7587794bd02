"""The rush's two journey calls, asking and "where do I stand", in one statement each.

Each function returns None when its statement finds nothing to act on (the
token, the account, the registration or a rule refuses, or the request is
already in the pool): the caller then runs the ORM use case
(:func:`puerta.journey.requesting.request_appointment`,
:func:`puerta.journey.status.status_of`), which says which rule refused, or
returns the request already made. So the rules' order and their coded
errors live in one place; the statements only make the common case cheap,
and may never succeed where the use case would refuse (the tests run both on
the same states).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, Integer, String, Time

from puerta.accounts import hot as signed_in
from puerta.db import UTCDateTime
from puerta.journey.status import (
    LatestAppointment,
    LatestRequest,
    LatestSelection,
    RegistrationStatus,
    StatusFacts,
    stage_of,
)
from puerta.lifecycle import AppointmentStatus, RequestStatus, SelectionStatus
from puerta.lifecycle import RegistrationStatus as RegState
from puerta.statements import Row, Statement, Statements

#: Join the pool: the request is written only when every rule of the use case holds
#: (window and area are checked before, in Python). The casts give PostgreSQL one type
#: for a parameter used twice. ``ON CONFLICT``: a request already
#: in this pool (a retry, another tab) writes nothing and the use case returns it.
# The f-strings below put in constants of this package only (states, the shared FROM
# and WHERE), never a value from a request: those are bound parameters.
ASK = Statement(
    "journey.ask",
    f"""
INSERT INTO appointment_requests
       (registration_id, pool_date, port_code, status, latitude, longitude, accuracy_m,
        created_at, device_id, ip, priority)
SELECT r.id, :pool_date, CAST(:port_code AS VARCHAR(8)), '{RequestStatus.POOLED.value}',
       :latitude, :longitude, :accuracy_m, :now, :device_id, :ip, false
{signed_in.FROM_OWNED}{signed_in.WHERE_OWNED}
   AND (:check_csrf = false OR s.csrf_token = :csrf)
   AND r.status = '{RegState.ACTIVE.value}'
   AND EXISTS (SELECT 1 FROM ports p
                WHERE p.code = CAST(:port_code AS VARCHAR(8)) AND p.is_active = true)
   AND NOT EXISTS (SELECT 1 FROM travelers t
                    WHERE t.registration_id = r.id AND t.photo_sha256 IS NULL)
   AND NOT EXISTS (SELECT 1 FROM selections x WHERE x.registration_id = r.id
                    AND x.status = '{SelectionStatus.OFFERED.value}')
   AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.registration_id = r.id
                    AND a.status = '{AppointmentStatus.BOOKED.value}')
ON CONFLICT (registration_id, pool_date) DO NOTHING
RETURNING id, registration_id, pool_date, port_code, status, created_at
""",  # noqa: S608
    params={
        **signed_in.PARAMS,
        "pool_date": Date(),
        "port_code": String(),
        "latitude": Float(),
        "longitude": Float(),
        "accuracy_m": Float(),
        "device_id": String(),
        "ip": String(),
        "check_csrf": Boolean(),
        "csrf": String(),
    },
    columns={
        "id": Integer(),
        "registration_id": String(),
        "pool_date": Date(),
        "port_code": String(),
        "status": String(),
        "created_at": UTCDateTime(),
    },
    writes=True,
)


#: The request already in this pool, for a retry (``ASK`` wrote nothing): the use case
#: returns it too, but only after the same checks of session, ownership and state.
IN_POOL = Statement(
    "journey.in_pool",
    f"""
SELECT q.id AS id, q.registration_id AS registration_id, q.pool_date AS pool_date,
       q.port_code AS port_code, q.status AS status, q.created_at AS created_at
{signed_in.FROM_OWNED}
  JOIN appointment_requests q ON q.registration_id = r.id AND q.pool_date = :pool_date
{signed_in.WHERE_OWNED}
   AND (:check_csrf = false OR s.csrf_token = :csrf)
   AND r.status = '{RegState.ACTIVE.value}'
""",
    params={
        **signed_in.PARAMS,
        "pool_date": Date(),
        "check_csrf": Boolean(),
        "csrf": String(),
    },
    columns=ASK.columns,
)


async def ask(
    statements: Statements,
    *,
    token_hash: str,
    csrf: str | None,
    registration_id: str,
    pool_date: date,
    port_code: str,
    latitude: float,
    longitude: float,
    device_id: str | None,
    ip: str | None,
    now: datetime,
    accuracy_m: float | None = None,
) -> tuple[Row, bool] | None:
    """``(row, created)``: the new request, or the one already in this pool (a retry);
    None when neither: the use case explains.

    ``csrf`` is the token the browser sent, for a cookie session (None for a bearer
    token, which a page on another site cannot send).
    """
    who = {
        "token_hash": token_hash,
        "now": now,
        "registration_id": registration_id,
        "pool_date": pool_date,
        "check_csrf": csrf is not None,
        "csrf": csrf or "",
    }
    made = await statements.one(
        ASK,
        {
            **who,
            "port_code": port_code.upper(),
            "latitude": latitude,
            "longitude": longitude,
            "accuracy_m": accuracy_m,
            "device_id": device_id,
            "ip": ip,
        },
    )
    if made is not None:
        return made, True
    found = await statements.one(IN_POOL, who)
    return None if found is None else (found, False)


def _latest(table: str, alias: str, order: str) -> str:
    return (
        f"LEFT JOIN {table} {alias} ON {alias}.id = (SELECT l.id FROM {table} l"  # noqa: S608
        f" WHERE l.registration_id = r.id ORDER BY {order} LIMIT 1)"
    )


STATUS = Statement(
    "journey.status",
    f"""
SELECT r.status AS registration_status,
       (SELECT count(*) FROM travelers t
         WHERE t.registration_id = r.id AND t.photo_sha256 IS NULL) AS photos_missing,
       a.status AS a_status, a.port_code AS a_port_code, a.day AS a_day,
       a.slot_start AS a_slot_start, a.code AS a_code, a.cancelled_at AS a_cancelled_at,
       x.status AS x_status, x.port_code AS x_port_code,
       x.appointment_date AS x_appointment_date, x.deadline AS x_deadline,
       x.extended AS x_extended, x.decided_at AS x_decided_at,
       q.status AS q_status, q.port_code AS q_port_code, q.pool_date AS q_pool_date,
       q.created_at AS q_created_at
{signed_in.FROM_OWNED}
{_latest("appointments", "a", "l.created_at DESC, l.id DESC")}
{_latest("selections", "x", "l.created_at DESC, l.id DESC")}
{_latest("appointment_requests", "q", "l.pool_date DESC")}
{signed_in.WHERE_OWNED}
""",  # noqa: S608
    params=dict(signed_in.PARAMS),
    columns={
        "registration_status": String(),
        "photos_missing": Integer(),
        "a_status": String(),
        "a_port_code": String(),
        "a_day": Date(),
        "a_slot_start": Time(),
        "a_code": String(),
        "a_cancelled_at": UTCDateTime(),
        "x_status": String(),
        "x_port_code": String(),
        "x_appointment_date": Date(),
        "x_deadline": UTCDateTime(),
        "x_extended": Boolean(),
        "x_decided_at": UTCDateTime(),
        "q_status": String(),
        "q_port_code": String(),
        "q_pool_date": Date(),
        "q_created_at": UTCDateTime(),
    },
)


def status_facts(row: dict[str, Any]) -> StatusFacts:
    """:class:`StatusFacts` from a row of :data:`STATUS`."""
    return StatusFacts(
        registration_status=row["registration_status"],
        photos_missing=int(row["photos_missing"]),
        appointment=None
        if row["a_status"] is None
        else LatestAppointment(
            row["a_status"],
            row["a_port_code"],
            row["a_day"],
            row["a_slot_start"],
            row["a_code"],
            row["a_cancelled_at"],
        ),
        selection=None
        if row["x_status"] is None
        else LatestSelection(
            row["x_status"],
            row["x_port_code"],
            row["x_appointment_date"],
            row["x_deadline"],
            bool(row["x_extended"]),
            row["x_decided_at"],
        ),
        request=None
        if row["q_status"] is None
        else LatestRequest(
            row["q_status"], row["q_port_code"], row["q_pool_date"], row["q_created_at"]
        ),
    )


async def status(
    statements: Statements, *, token_hash: str, registration_id: str, now: datetime
) -> RegistrationStatus | None:
    """Where the registration stands, or None: the ORM path says why not."""
    row = await statements.one(
        STATUS, {"token_hash": token_hash, "now": now, "registration_id": registration_id}
    )
    return None if row is None else stage_of(status_facts(row), now)
