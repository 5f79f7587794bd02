"""The catalogue's ports for an imported data set, written on the importer's connection.

Created only when missing: a deployment that configured its ports keeps them.
The rows are :func:`puerta.ports.service.catalogue_values`, the same the ORM
path (:func:`puerta.ports.service.ensure_ports`) writes, so a port is the same
whether ``puerta import`` or ``puerta demo`` created it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from puerta.config import Settings
from puerta.ports import catalogue
from puerta.ports import service as ports_service
from puerta.ports.models import Port


def insert_missing_ports(conn: Connection, settings: Settings | None = None) -> list[str]:
    """Insert the catalogue's ports that are missing; returns the codes inserted.

    Every catalogue port is inserted (a data set may name any of them); one
    the settings give no seats gets a capacity of 0.
    """
    settings = settings or Settings()
    caps = settings.port_capacity()
    have = set(conn.execute(sa.select(Port.code)).scalars())
    rows = [
        ports_service.catalogue_values(entry, caps.get(entry.code, 0))
        for entry in catalogue.PORTS
        if entry.code not in have
    ]
    if rows:
        conn.execute(sa.insert(Port), rows)
    return [r["code"] for r in rows]
