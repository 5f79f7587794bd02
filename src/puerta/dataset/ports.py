"""The eight ports of the report, so that an imported data set has its ports.

Created only when missing: a deployment that configured its ports keeps them.
"""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from puerta.config import DEFAULT_PORTS, Settings
from puerta.ports.models import Port

#: code -> (IANA zone, latitude, longitude) of the crossing.
PORT_PLACES: dict[str, tuple[str, float, float]] = {
    "SYS": ("America/Los_Angeles", 32.5422, -117.0297),
    "CXL": ("America/Los_Angeles", 32.6650, -115.4989),
    "NOG": ("America/Phoenix", 31.3327, -110.9431),
    "ELP": ("America/Denver", 31.7640, -106.4510),
    "EGP": ("America/Chicago", 28.7086, -100.5120),
    "LRD": ("America/Chicago", 27.5000, -99.5075),
    "HID": ("America/Chicago", 26.0950, -98.2700),
    "BRO": ("America/Chicago", 25.8930, -97.4990),
}


def ensure_ports(conn: Connection, settings: Settings | None = None) -> list[str]:
    """Insert the default ports that are missing; returns the codes inserted."""
    settings = settings or Settings()
    caps = settings.port_capacity()
    have = set(conn.execute(sa.select(Port.code)).scalars())
    rows = [
        {
            "code": code,
            "name": name,
            "timezone": PORT_PLACES[code][0],
            "daily_capacity": caps.get(code, 0),
            "opens_at": time(6, 0),
            "closes_at": time(22, 0),
            "latitude": PORT_PLACES[code][1],
            "longitude": PORT_PLACES[code][2],
            "is_active": True,
        }
        for code, name in DEFAULT_PORTS.items()
        if code not in have
    ]
    if rows:
        conn.execute(sa.insert(Port), rows)
    return [r["code"] for r in rows]
