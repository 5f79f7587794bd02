"""The eight ports of entry of the report: the one catalogue every part of Puerta reads.

Why a data module of its own: the demo, the bulk importer, the settings'
default seat split, the row validator and the synthetic generator all need
the ports, and when the demo and the importer each kept their own copy (six
of eight coordinates and the opening hours differed) an appointment's time
depended on which of them had created the port first. Here each fact is
written once; :func:`puerta.ports.service.ensure_ports` and
:func:`puerta.dataset.ports.insert_missing_ports` store it.

Each entry is the port's pedestrian crossing, the one applicants walk to:
its public street address (GSA, CBP and the bridge operators publish them),
its coordinates, and the IANA zone of its wall clock. Opening hours are the
hours appointments are spread over (:mod:`puerta.confirmation.slots`), the
same at every port, not the port's own hours (several never close).

Example:
    >>> BY_CODE["ELP"].postal_address
    '1000 S El Paso St, El Paso, TX 79901'
    >>> BY_CODE["NOG"].timezone
    'America/Phoenix'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

APPOINTMENTS_START = time(7, 0)
"""When the first appointment slot of a day starts, at every port (local time)."""
APPOINTMENTS_END = time(19, 0)
"""When the last appointment slot of a day ends, at every port (local time)."""


@dataclass(frozen=True, slots=True)
class CataloguePort:
    """One port of entry, as the catalogue knows it.

    ``default_share`` is the port's share of the daily seats in the default
    settings (``port_shares``); a deployment may configure another split.
    """

    code: str
    name: str
    address: str
    city: str
    state: str
    zip_code: str
    timezone: str
    latitude: float
    longitude: float
    default_share: float
    opens_at: time = APPOINTMENTS_START
    closes_at: time = APPOINTMENTS_END

    @property
    def postal_address(self) -> str:
        """The address on one line, as an appointment page shows it."""
        return f"{self.address}, {self.city}, {self.state} {self.zip_code}"


PORTS: tuple[CataloguePort, ...] = (
    # San Ysidro Land Port of Entry (PedEast)
    CataloguePort(
        code="SYS",
        name="San Ysidro",
        address="720 E San Ysidro Blvd",
        city="San Ysidro",
        state="CA",
        zip_code="92173",
        timezone="America/Los_Angeles",
        latitude=32.5422,
        longitude=-117.0297,
        default_share=0.20,
    ),
    # Calexico West Land Port of Entry
    CataloguePort(
        code="CXL",
        name="Calexico",
        address="1 E 1st St",
        city="Calexico",
        state="CA",
        zip_code="92231",
        timezone="America/Los_Angeles",
        latitude=32.6650,
        longitude=-115.4989,
        default_share=0.06,
    ),
    # Dennis DeConcini Port of Entry
    CataloguePort(
        code="NOG",
        name="Nogales",
        address="9 N Grand Ave",
        city="Nogales",
        state="AZ",
        zip_code="85621",
        timezone="America/Phoenix",
        latitude=31.3327,
        longitude=-110.9431,
        default_share=0.10,
    ),
    # Paso del Norte Port of Entry (Santa Fe Street Bridge)
    CataloguePort(
        code="ELP",
        name="El Paso",
        address="1000 S El Paso St",
        city="El Paso",
        state="TX",
        zip_code="79901",
        timezone="America/Denver",
        latitude=31.7499,
        longitude=-106.4867,
        default_share=0.14,
    ),
    # Eagle Pass Port of Entry (International Bridge I)
    CataloguePort(
        code="EGP",
        name="Eagle Pass",
        address="160 E Garrison St",
        city="Eagle Pass",
        state="TX",
        zip_code="78852",
        timezone="America/Chicago",
        latitude=28.7058,
        longitude=-100.5066,
        default_share=0.08,
    ),
    # Convent Avenue Port of Entry (Gateway to the Americas Bridge)
    CataloguePort(
        code="LRD",
        name="Laredo",
        address="100 Convent Ave",
        city="Laredo",
        state="TX",
        zip_code="78040",
        timezone="America/Chicago",
        latitude=27.5014,
        longitude=-99.5074,
        default_share=0.12,
    ),
    # Hidalgo Port of Entry (McAllen-Hidalgo-Reynosa Bridge)
    CataloguePort(
        code="HID",
        name="Hidalgo",
        address="1026 S International Blvd",
        city="Hidalgo",
        state="TX",
        zip_code="78557",
        timezone="America/Chicago",
        latitude=26.0969,
        longitude=-98.2700,
        default_share=0.18,
    ),
    # Brownsville Gateway Port of Entry (Gateway International Bridge)
    CataloguePort(
        code="BRO",
        name="Brownsville",
        address="510 E 14th St",
        city="Brownsville",
        state="TX",
        zip_code="78520",
        timezone="America/Chicago",
        latitude=25.8983,
        longitude=-97.4972,
        default_share=0.12,
    ),
)
"""In the order of the default settings' seat split."""

BY_CODE: dict[str, CataloguePort] = {p.code: p for p in PORTS}
CODES: tuple[str, ...] = tuple(BY_CODE)
