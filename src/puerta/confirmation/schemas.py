"""Bodies of the confirmation endpoints."""

from __future__ import annotations

import datetime as datetime_
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

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


class AppointmentCheckIn(BaseModel):
    """What a person holds: the confirmation code, and a traveler's family name."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, examples=["7KQ2-M9XD-4T"])
    family_name: str = Field(min_length=1, max_length=200, examples=["Morales"])


class CheckedPort(BaseModel):
    code: str
    name: str


class AppointmentCheckOut(BaseModel):
    """Valid, with the port and the day only; not valid, with nothing else."""

    valid: bool
    port: CheckedPort | None = None
    date: datetime_.date | None = None  # the module: a field named ``date`` shadows the type
