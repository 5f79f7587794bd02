"""Bodies of the confirmation endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from puerta.ports.schemas import LocalTime


class SelectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    registration_id: str
    port_code: str
    appointment_date: date
    seats: int
    status: str
    deadline: datetime
    extended: bool


class AppointmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    registration_id: str
    port_code: str
    day: date
    slot_start: LocalTime  # the port's wall clock, no offset
    seats: int
    code: str
    status: str
