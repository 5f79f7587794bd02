"""Value types of the ports' bodies, shared by every body that shows a port's time."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

#: A wall-clock time at the port, in the port's own zone (``timezone``): no offset, so
#: not JSON Schema's ``format: time`` (RFC 3339 requires one), which the API broke (the
#: ports' hours, and an appointment's ``slot_start``).
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
