"""Bodies of the request endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class Coordinates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Position(Coordinates):
    #: The position's accuracy as the device gave it (the browser's ``coords.accuracy``),
    #: in metres: evidence for the trend analysis's location signals, never a reason to refuse.
    accuracy_m: float | None = Field(default=None, ge=0, le=1_000_000)


class RequestIn(Position):
    port_code: str = Field(min_length=2, max_length=8)
    device_id: str | None = Field(default=None, max_length=128)


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    registration_id: str
    pool_date: date
    port_code: str
    status: str
    created_at: datetime
