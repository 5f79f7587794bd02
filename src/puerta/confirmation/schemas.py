"""Bodies of the confirmation endpoints."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    slot_start: time
    seats: int
    code: str
    status: str


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
