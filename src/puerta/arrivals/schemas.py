"""Bodies of the check-in and disposition API, and what it answers.

The notice's address is checked by the registration's own field rules (a state code,
a ZIP code), so an address an officer types is held to what an applicant's is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from puerta.arrivals.rules import NoticeAddress
from puerta.lifecycle import Disposition
from puerta.registration import validation as v

#: The dispositions an officer records (``pending`` is where a traveler starts).
DecidedDisposition = Literal["processed_nta", "paroled", "other", "refused", "no_show"]
Note = Annotated[str | None, Field(default=None, max_length=4000)]


def _text(max_len: int):  # type: ignore[no-untyped-def]
    return AfterValidator(lambda s: v.clean_text(s, max_len=max_len))


class NoticeAddressIn(BaseModel):
    """The address written on a notice to appear (a U.S. address)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    address_line1: Annotated[str, _text(120)]
    address_line2: Annotated[str, _text(120)] | None = None
    city: Annotated[str, _text(80)]
    state: Annotated[str, AfterValidator(v.us_state)]
    zip_code: Annotated[str, AfterValidator(v.zip_code)] | None = None

    @field_validator("address_line2", "zip_code", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def value(self) -> NoticeAddress:
        return NoticeAddress(
            self.address_line1, self.address_line2, self.city, self.state, self.zip_code
        )


class CheckInIn(BaseModel):
    """``reason``: only to check in a group marked no-show (a correction)."""

    model_config = ConfigDict(extra="forbid")

    reason: Note = None


class NoShowIn(BaseModel):
    """Undo a check-in made by mistake: why."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)


class DispositionIn(BaseModel):
    """``note`` is required for ``other``; ``notice_address`` for ``processed_nta``
    (ignored for every other disposition)."""

    model_config = ConfigDict(extra="forbid")

    disposition: DecidedDisposition
    note: Note = None
    notice_address: NoticeAddressIn | None = None


class CorrectionIn(DispositionIn):
    reason: str = Field(min_length=1, max_length=4000)


class NoticeAddressOut(BaseModel):
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    zip_code: str | None
    key: str
    """The normalised key (``street|unit|city|state``) compared with the registered one."""
    matched: bool
    """Whether it is the advance address the traveler registered."""


class TravelerDispositionOut(BaseModel):
    position: int
    disposition: Disposition
    note: str | None
    recorded_at: datetime | None
    recorded_by: int | None
    notice_address: NoticeAddressOut | None


class EventOut(BaseModel):
    at: datetime
    actor_id: int | None
    """Null for the no-show job."""
    position: int | None
    """Null for the group's own arrival."""
    from_status: str | None
    to_status: str
    note: str | None
    reason: str | None


class ProcessOut(BaseModel):
    """One arrival as it is processed: its state, each traveler's disposition, the history."""

    code: str
    port_code: str
    day: date
    status: Literal["expected", "arrived", "no_show"]
    checked_in_at: datetime | None
    checked_in_by: int | None
    travelers: list[TravelerDispositionOut]
    """Empty until the group is checked in or marked a no-show."""
    history: list[EventOut]


class CountOut(BaseModel):
    groups: int
    travelers: int


class MatchRateOut(BaseModel):
    matched: int
    total: int
    rate: float | None
    """``matched / total``; null when no notice to appear was written."""


class DaySummaryOut(BaseModel):
    port_code: str
    date: date
    expected: CountOut
    """Every appointment booked for the day."""
    arrived: CountOut
    no_shows: CountOut
    still_expected: CountOut
    cancelled: CountOut
    dispositions: dict[str, int]
    """Travelers by disposition (``pending``: arrived, nothing recorded yet)."""
    address_match: MatchRateOut
    flagged_address_match: MatchRateOut
