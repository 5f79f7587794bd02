"""Hypothesis strategies for pools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from puerta.draw.pool import PoolEntry

PORTS = ("SYS", "ELP", "HID")
T0 = datetime(2023, 1, 1, tzinfo=UTC)


@st.composite
def pools(draw: st.DrawFn, max_size: int = 30) -> list[PoolEntry]:
    n = draw(st.integers(0, max_size))
    people = [f"p{i}" for i in range(draw(st.integers(1, 40)))]
    out = []
    for i in range(n):
        travelers = draw(st.lists(st.sampled_from(people), min_size=1, max_size=5, unique=True))
        out.append(
            PoolEntry(
                request_id=i + 1,
                registration_id=f"R{i + 1}",
                port_code=draw(st.sampled_from(PORTS)),
                seats=len(travelers),
                registered_at=T0 + timedelta(days=draw(st.integers(0, 5))),
                persons=tuple(travelers),
            )
        )
    return out


capacities = st.fixed_dictionaries({p: st.integers(0, 12) for p in PORTS})
