"""Public draw results: what was drawn, with no personal data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from puerta.draw import service
from puerta.web.deps import DbSession

router = APIRouter(prefix="/api/v1/draws", tags=["draw"])


class DrawOut(BaseModel):
    pool_date: date
    appointment_date: date
    algorithm: str
    seed_hex: str
    params: dict[str, Any]
    pool_size: int
    seats_offered: int
    created_at: datetime


@router.get("/{pool_date}")
def get_draw(pool_date: date, db: DbSession) -> DrawOut:
    draw = service.get_draw(db, pool_date)
    return DrawOut(
        pool_date=draw.pool_date,
        appointment_date=draw.appointment_date,
        algorithm=draw.algorithm,
        seed_hex=draw.seed_hex,
        params=draw.params,
        pool_size=draw.pool_size,
        seats_offered=draw.seats_offered,
        created_at=draw.created_at,
    )
