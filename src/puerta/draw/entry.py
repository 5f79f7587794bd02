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
from puerta.draw.record import Record, parse_many
from puerta.errors import NoEntryInPool
from puerta.i18n import M, Message
from puerta.registration.models import Registration
from puerta.requests.models import AppointmentRequest

HOW_TO_VERIFY = M(
    "entry.how_to_verify",
    "Check that your record and proof rebuild the published pool root, then recompute the draw: "
    "GET /api/v1/draws/{date}/verify, or `puerta draw verify --date {date}`, or any program "
    "following docs/draw.md with the artefacts of GET /api/v1/draws/{date}/published.",
)
#: What the draw did with the owner's group, by ``result`` code.
RESULTS: dict[str, Message] = {
    "selected": M("entry.selected", "Selected ({reason})."),
    "deferred": M(
        "entry.deferred",
        "Deferred: your group did not fit; it goes first in your next draw at this port.",
    ),
    "not_selected": M("entry.not_selected", "Not selected."),
}
SELECTION_REASONS: dict[str, Message] = {
    "priority": M("term.pick.priority", "deferred group first"),
    "seniority": M("term.pick.seniority", "waited longest"),
    "random": M("term.pick.random", "at random"),
}


def _request(
    session: Session, registration: Registration, pool_date: date | None
) -> AppointmentRequest:
    query = select(AppointmentRequest).where(AppointmentRequest.registration_id == registration.id)
    if pool_date is not None:
        query = query.where(AppointmentRequest.pool_date == pool_date)
    request = session.scalar(query.order_by(AppointmentRequest.pool_date.desc()).limit(1))
    if request is None:
        raise NoEntryInPool()
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
    ``result`` (a code: ``selected``, ``deferred`` or ``not_selected``, with
    ``selected_by``) and ``how_to_verify``; ``messages`` maps the keys whose
    wording the edge renders to their catalog messages and parameters.
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
    parsed = parse_many(records)
    hit = parsed.filter(pl.col("public_id") == public_id)["record"]
    mine = hit[0] if len(hit) else None
    out: dict[str, Any] = {
        "stage": "pool_published",
        "pool_root": row.pool_root,
        "pool_published_at": row.pool_published_at.isoformat() if row.pool_published_at else "",
    }
    if mine is None:  # not in the pool: withdrawn or deactivated before it closed
        out["record"] = None
        return out
    own_record = Record.parse(mine)
    group, port = own_record.entrant_id, own_record.port_code
    entrants = cm.entrants_from_table(parsed).filter(pl.col("port_code") == port)
    own = entrants.filter(pl.col("entrant_id") == group)
    older = entrants.filter(pl.col("seniority") < own["seniority"][0]).height if own.height else 0
    capacity = settings.port_capacity().get(port, 0)
    out |= {
        "record": mine,
        "inclusion_proof": [list(p) for p in cm.inclusion_proof(records, mine)],
        "group_entrant_id": group,
        "seats_in_group": int(own["seats"][0]) if own.height else 0,
        "merged": own_record.seats == 0,
        "standing": {
            "seniority_date": own_record.seniority.isoformat(),
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
    selected_by = None
    if group is not None and group in result:
        outcome, selected_by = "selected", result[group]
    elif group is not None and group in (draw.deferred or []):
        outcome = "deferred"
    else:
        outcome = "not_selected"
    day = draw.pool_date.isoformat()
    reason = SELECTION_REASONS.get(selected_by or "", M("term.pick.other", "other"))
    return {
        "stage": "drawn",
        "result": outcome,
        "selected_by": selected_by,
        "seed_hex": draw.seed_hex,
        "seats_drawn_at_port": draw.params.get("capacity", {}).get(port_code, 0),
        "messages": {
            "result_message": (RESULTS[outcome], {"reason": reason} if selected_by else {}),
            "how_to_verify": (HOW_TO_VERIFY, {"date": day}),
        },
    }
