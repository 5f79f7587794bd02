"""A day's draw in figures, per port: how many asked, how many were chosen, seats a day.

Public and without personal data, like the rest of the publication: a person
who was not selected sees their odds (a port where 900 groups asked for 100
seats), and anyone can see that the seats went where people asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from puerta.draw.models import Draw, Selection
from puerta.ports import service as ports_service
from puerta.requests.models import AppointmentRequest


@dataclass(frozen=True)
class PortNumbers:
    port_code: str
    port_name: str
    asked: int
    chosen: int
    seats_a_day: int


def day_numbers(session: Session, pool_date: date) -> list[PortNumbers]:
    """Every port, in the catalogue's order, with ``pool_date``'s figures (zero if none)."""
    asked = dict(
        session.execute(
            select(AppointmentRequest.port_code, func.count())
            .where(AppointmentRequest.pool_date == pool_date)
            .group_by(AppointmentRequest.port_code)
        ).all()
    )
    chosen = dict(
        session.execute(
            select(Selection.port_code, func.count())
            .join(Draw, Draw.id == Selection.draw_id)
            .where(Draw.pool_date == pool_date)
            .group_by(Selection.port_code)
        ).all()
    )
    ports = ports_service.list_ports(session)
    return [
        PortNumbers(p.code, p.name, asked.get(p.code, 0), chosen.get(p.code, 0), p.daily_capacity)
        for p in ports
    ]
