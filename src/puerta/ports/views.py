"""Ports: the public list. (Each port's arrivals, for its officers, are in ``arrivals``.)"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from puerta.ports import service
from puerta.web.deps import Public, ReadSession

router = APIRouter(prefix="/api/v1", tags=["ports"])

#: A wall-clock time at the port, in the port's own zone (``timezone``): no offset, so
#: not JSON Schema's ``format: time`` (RFC 3339 requires one), which the API broke.
LocalTime = Annotated[
    time,
    PlainSerializer(lambda t: t.isoformat(timespec="seconds"), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
            "description": "Local time at the port, in its own time zone (HH:MM:SS).",
            "examples": ["07:00:00"],
        }
    ),
]


class PortOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    address: str
    city: str
    state: str
    zip_code: str
    timezone: str
    latitude: float
    longitude: float
    daily_capacity: int
    opens_at: LocalTime
    closes_at: LocalTime


@router.get("/ports", dependencies=[Public])
def list_ports(db: ReadSession) -> list[PortOut]:
    return [PortOut.model_validate(p) for p in service.list_ports(db)]
