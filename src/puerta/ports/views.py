"""Ports: the public list. (Each port's arrivals, for its officers, are in ``arrivals``.)"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from puerta.ports import service
from puerta.ports.schemas import LocalTime
from puerta.web.deps import Public, ReadSession

router = APIRouter(prefix="/api/v1", tags=["ports"])


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
