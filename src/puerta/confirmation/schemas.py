"""Bodies of the confirmation endpoints."""

from __future__ import annotations

import datetime as datetime_
import math
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from puerta.ports.schemas import LocalTime

if TYPE_CHECKING:
    from puerta.confirmation.queue import Pending


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


class ScanOut(BaseModel):
    """A live photo waiting in the liveness queue (answered with 202)."""

    state: Literal["waiting", "sending"]
    place: int = Field(description="1: the next scan the vendor gets.")
    wait_seconds: int | None = Field(
        description="The estimated wait, from the contract's rate and the scans ahead; "
        "null when the vendor's quota is spent and no honest estimate exists."
    )
    deadline: datetime = Field(description="The deadline to confirm, moved out by the wait.")
    quota_exhausted: bool
    refresh_seconds: int = Field(description="When to ask again (also Retry-After).")

    @classmethod
    def of(cls, pending: Pending) -> ScanOut:
        wait = None if pending.wait is None else math.ceil(pending.wait.total_seconds())
        refresh = 60 if wait is None else max(2, min(30, wait // 2 or 2))
        return cls(
            state=pending.state,  # type: ignore[arg-type]
            place=pending.place,
            wait_seconds=wait,
            deadline=pending.deadline,
            quota_exhausted=pending.quota_exhausted,
            refresh_seconds=refresh,
        )
