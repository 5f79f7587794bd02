"""What an applicant sees of their entry in a day's draw, and how to check it.

Why: verifiability is only real if an applicant can find themselves in the
published pool. Their entrant id is opaque to everyone else; with it and the
inclusion proof they can check, without trusting Puerta, that their request
was in the pool that was drawn, and then recompute the draw.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.config import Settings
from puerta.draw import commitment as cm
from puerta.draw import fair, publication
from puerta.draw.models import Draw, DrawCommitment
from puerta.errors import NotFound
from puerta.registration.models import Registration
from puerta.requests.models import AppointmentRequest

HOW_TO_VERIFY = (
    "Check that your record and proof rebuild the published pool root, then recompute the draw: "
    "GET /api/v1/draws/{date}/verify, or `puerta draw verify --date {date}`, or any program "
    "following docs/draw.md with the artefacts of GET /api/v1/draws/{date}/published."
)


def _request(
    session: Session, registration: Registration, pool_date: date | None
) -> AppointmentRequest:
    query = select(AppointmentRequest).where(AppointmentRequest.registration_id == registration.id)
    if pool_date is not None:
        query = query.where(AppointmentRequest.pool_date == pool_date)
    request = session.scalar(query.order_by(AppointmentRequest.pool_date.desc()).limit(1))
    if request is None:
        raise NotFound("This registration has not asked for an appointment in that pool.")
    return request


def entry(
    session: Session,
    *,
    registration: Registration,
    settings: Settings,
    pool_date: date | None = None,
) -> dict[str, Any]:
    """The owner's view of their request in ``pool_date``'s draw (default: their latest).

    Keys: ``pool_date``, ``port_code``, ``entrant_id`` (their request's public
    id), ``seniority_date``, ``stage`` (``committed``, ``pool_published``,
    ``drawn`` or ``not_published``), then, as they become known, the
    commitment, their published ``record`` with its ``inclusion_proof``,
    ``standing`` (seniority rank and demand at their port), and the
    ``result`` with ``how_to_verify``.
    """
    request = _request(session, registration, pool_date)
    day = request.pool_date
    out: dict[str, Any] = {
        "pool_date": day.isoformat(),
        "port_code": request.port_code,
        "entrant_id": publication.public_id_of(request, settings),
        "seniority_date": registration.created_at.date().isoformat(),
        "stage": "not_published",
    }
    row = publication.get_commitment(session, day)
    if row is None:
        return out
    out |= {"stage": "committed", "seed_commitment": row.seed_commitment}
    if row.pool_published_at is None or not row.records:
        return out
    out |= _in_pool(row, out["entrant_id"], settings)
    draw = session.scalar(select(Draw).where(Draw.pool_date == day))
    if draw is not None and draw.result is not None:
        out |= _result(draw, out.get("group_entrant_id"), request.port_code)
    return out


def _in_pool(row: DrawCommitment, public_id: str, settings: Settings) -> dict[str, Any]:
    records = row.records or []
    mine = next((r for r in records if r.split("|")[1] == public_id), None)
    out: dict[str, Any] = {
        "stage": "pool_published",
        "pool_root": row.pool_root,
        "pool_published_at": row.pool_published_at.isoformat() if row.pool_published_at else "",
    }
    if mine is None:  # not in the pool: withdrawn or deactivated before it closed
        out["record"] = None
        return out
    _, _, group, port, seats, seniority, _ = mine.split("|")
    entrants = cm.entrants_from_records(records).filter(pl.col("port_code") == port)
    own = entrants.filter(pl.col("entrant_id") == group)
    older = entrants.filter(pl.col("seniority") < own["seniority"][0]).height if own.height else 0
    capacity = settings.port_capacity().get(port, 0)
    out |= {
        "record": mine,
        "inclusion_proof": [list(p) for p in cm.inclusion_proof(records, mine)],
        "group_entrant_id": group,
        "seats_in_group": int(own["seats"][0]) if own.height else 0,
        "merged": seats == "0",
        "standing": {
            "seniority_date": seniority,
            "entrants_waiting_longer": older,
            "seniority_seats": fair.senior_seats(capacity, settings.seniority_share),
            "entrants_at_port": entrants.height,
            "persons_at_port": int(entrants["seats"].sum() or 0),
            "seats_at_port": capacity,
        },
    }
    return out


def _result(draw: Draw, group: str | None, port_code: str) -> dict[str, Any]:
    result = draw.result or {}
    if group is not None and group in result:
        outcome = f"selected ({result[group]})"
    elif group is not None and group in (draw.deferred or []):
        outcome = "deferred: your group did not fit; it goes first in your next draw at this port"
    else:
        outcome = "not selected"
    day = draw.pool_date.isoformat()
    return {
        "stage": "drawn",
        "result": outcome,
        "seed_hex": draw.seed_hex,
        "seats_drawn_at_port": draw.params.get("capacity", {}).get(port_code, 0),
        "how_to_verify": HOW_TO_VERIFY.replace("{date}", day),
    }
