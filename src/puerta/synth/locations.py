"""Where each device said it was: one reading per request, one per confirmation, and a
few planted location patterns (truth ``location_pattern``), so the location signals
can be measured.

Households wait in a city of northern Mexico and report places near it; a
reading is rounded to five decimals as the page sends it, or given whole as an
app would; most state an accuracy. A ring's shared phone reports its fixer's
place. Planted, a few per chunk each (``PER_REGISTRATIONS``), from registrations
drawn like everyone else's, so nationality, language, sex and age carry no signal:

* ``impossible_travel``: confirmed 1,000 km or more from the request, hours later;
* ``shared_coordinates``: 4 to 8 unrelated registrations at one point to the metre;
* ``implausible_location``: at a software default, given to two decimals, with an
  accuracy of 0 m, or one point repeated to the last decimal over days;
* ``device_jump``: 3 to 5 unrelated registrations asked from one phone minutes
  apart, each from its own city.

The readings have their own random stream, so adding them changed no other column.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, time, timedelta

import pyarrow as pa

from puerta.dataset import schema
from puerta.synth import places
from puerta.synth.activity import Registration

#: Cities of northern Mexico where people wait (inside the default eligible area).
CITIES: tuple[tuple[str, float, float], ...] = (
    ("Tijuana", 32.5149, -117.0382),
    ("Ciudad Juarez", 31.6904, -106.4245),
    ("Reynosa", 26.0508, -98.2979),
    ("Matamoros", 25.8690, -97.5027),
    ("Nuevo Laredo", 27.4763, -99.5164),
    ("Monterrey", 25.6866, -100.3161),
    ("Hermosillo", 29.0729, -110.9559),
    ("Chihuahua", 28.6353, -106.0889),
    ("Saltillo", 25.4232, -101.0053),
    ("Piedras Negras", 28.7000, -100.5235),
    ("Mexicali", 32.6245, -115.4523),
    ("Torreon", 25.5428, -103.4068),
    ("Durango", 24.0277, -104.6532),
    ("Culiacan", 24.8091, -107.3940),
    ("San Luis Potosi", 22.1565, -100.9855),
)
PER_REGISTRATIONS = 2_000
"""One planted group of each pattern per this many registrations (at least three)."""
DEFAULT_POINTS = (
    (23.0, -102.0),  # IP location knowing only "Mexico"
    (23.634501, -102.552784),  # a geocoder's "Mexico"
    (37.422, -122.084),  # the Android emulator
    (0.0, 0.0),  # no fix, sent as zeros
)
Reading = tuple[str, str, datetime, float, float, float | None, str | None]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _near(place: tuple[float, float], metres: float, rng: random.Random) -> tuple[float, float]:
    lat = place[0] + rng.gauss(0, metres) / 111_000
    lon = place[1] + rng.gauss(0, metres) / (111_000 * math.cos(math.radians(place[0])))
    return lat, lon


def _as_sent(point: tuple[float, float], rng: random.Random) -> tuple[float, float]:
    """Five decimals as the page sends (70 %), else the whole value as an app would."""
    if rng.random() < 0.7:
        return round(point[0], 5), round(point[1], 5)
    return point


def _accuracy(rng: random.Random) -> float | None:
    if rng.random() < 0.2:
        return None
    return float(round(min(3000.0, max(3.0, rng.lognormvariate(math.log(25), 0.8)))))


class Readings:
    """The readings of one chunk, their planted patterns, and the table they make."""

    def __init__(self, regs: list[Registration], rng: random.Random) -> None:
        self.regs = regs
        self.rng = rng
        self.home: dict[int, tuple[float, float]] = {}
        self.ring_place: dict[str, tuple[float, float]] = {}
        self.by_reg: dict[str, list[list[object]]] = {}

    def place_of(self, reg: Registration) -> tuple[float, float]:
        if reg.ring_via == "device" and reg.ring_id:
            if reg.ring_id not in self.ring_place:
                self.ring_place[reg.ring_id] = self._city_point()
            return self.ring_place[reg.ring_id]
        hh = reg.owner.index
        if hh not in self.home:
            self.home[hh] = self._city_point()
        return self.home[hh]

    def _city_point(self) -> tuple[float, float]:
        _, lat, lon = self.rng.choice(CITIES)
        return _near((lat, lon), 4_000, self.rng)

    def ordinary(self) -> None:
        """Every registration's readings: near its place, at request time and on confirming."""
        rng = self.rng
        for reg in self.regs:
            place = self.place_of(reg)
            rows: list[list[object]] = []
            booked = reg.appointment[4] if reg.appointment else None
            for day in reg.request_dates:
                at = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(
                    minutes=rng.randrange(0, 16 * 60)
                )
                at = max(at, reg.created_at + timedelta(minutes=1))
                if booked is not None:
                    at = min(at, booked - timedelta(minutes=5))
                lat, lon = _as_sent(_near(place, 300, rng), rng)
                rows.append(["request", at, lat, lon, _accuracy(rng), reg.device])
            if booked is not None:
                lat, lon = _as_sent(_near(place, 300, rng), rng)
                device = reg.device if rng.random() < 0.5 else None
                rows.append(["confirmation", booked, lat, lon, _accuracy(rng), device])
            self.by_reg[reg.rid] = rows

    def plant(self, chunk: int) -> None:
        """A few groups of each pattern, on registrations not already planted."""
        rng = self.rng
        # A household with one registration only: a planted place on one of several
        # registrations of one phone would also, rightly, make that phone jump.
        per_household: dict[int, int] = {}
        for r in self.regs:
            per_household[r.owner.index] = per_household.get(r.owner.index, 0) + 1
        free = [
            r
            for r in self.regs
            if self.by_reg[r.rid]
            and per_household[r.owner.index] == 1
            and r.burst_id is None
            and r.ring_id is None
            and r.coalition_id is None
            and r.owner.top_ten is None
        ]
        rng.shuffle(free)
        used_households: set[int] = set()

        def take(n: int, keep: object = None) -> list[Registration]:
            out: list[Registration] = []
            for r in free:
                if len(out) == n:
                    break
                if r.location_pattern or r.owner.index in used_households:
                    continue
                if keep is not None and not keep(r):  # type: ignore[operator]
                    continue
                out.append(r)
                used_households.add(r.owner.index)
            return out

        groups = max(3, round(len(self.regs) / PER_REGISTRATIONS))
        for g in range(groups):
            self._travel(take(1, lambda r: r.appointment is not None), f"LT{chunk}-{g}")
            self._shared(take(rng.randint(4, 8)), f"LS{chunk}-{g}")
            self._implausible(take(1, lambda r: len(self.by_reg[r.rid]) >= 2), f"LI{chunk}-{g}", g)
            self._jump(take(rng.randint(3, 5)), f"LD{chunk}-{g}")

    def _mark(self, regs: list[Registration], gid: str, pattern: str) -> None:
        for r in regs:
            r.location_id, r.location_pattern = gid, pattern

    def _travel(self, regs: list[Registration], gid: str) -> None:
        rng = self.rng
        for r in regs:
            rows = self.by_reg[r.rid]
            start = self.place_of(r)
            far = [c for c in CITIES if _km(start, (c[1], c[2])) >= 1_000]
            _, lat, lon = rng.choice(far)
            confirm = rows[-1]
            confirm[2], confirm[3] = _as_sent(_near((lat, lon), 300, rng), rng)
            asked = [x for x in rows if x[0] == "request"][-1]
            asked[1] = max(
                confirm[1] - timedelta(minutes=rng.randrange(30, 240)),  # type: ignore[operator]
                r.created_at + timedelta(minutes=1),
            )
        self._mark(regs, gid, "impossible_travel")

    def _shared(self, regs: list[Registration], gid: str) -> None:
        if len(regs) < 4:
            return
        lat, lon = _near(self._city_point(), 10, self.rng)
        point = (round(lat, 5), round(lon, 5))
        for r in regs:
            for row in self.by_reg[r.rid]:
                row[2], row[3] = point
        self._mark(regs, gid, "shared_coordinates")

    def _implausible(self, regs: list[Registration], gid: str, g: int) -> None:
        rng = self.rng
        for r in regs:
            rows = self.by_reg[r.rid]
            kind = ("default", "coarse", "accuracy", "frozen")[g % 4]
            if kind == "default":
                point = rng.choice(DEFAULT_POINTS)
            elif kind == "coarse":
                lat, lon = self.place_of(r)
                point = (round(lat, 2), round(lon, 2))
            else:
                point = _near(self.place_of(r), 300, rng)
            for row in rows:
                if kind == "accuracy":
                    row[4] = 0.0
                else:
                    row[2], row[3] = point
            if kind == "frozen":
                first = rows[0][1]
                rows[-1][1] = max(rows[-1][1], first + timedelta(hours=2))  # type: ignore[operator,type-var]
        self._mark(regs, gid, "implausible_location")

    def _jump(self, regs: list[Registration], gid: str) -> None:
        if len(regs) < 3:
            return
        rng = self.rng
        device = places.device_id(rng)
        at = max(self.by_reg[r.rid][0][1] for r in regs)  # after every one was registered
        cities = rng.sample(CITIES, len(regs))
        for r, (_, lat, lon) in zip(regs, cities, strict=True):
            rows = self.by_reg[r.rid]
            rows[0][1] = at
            for row in rows:  # each in its own city, all from the one phone
                row[2], row[3] = _as_sent(_near((lat, lon), 300, rng), rng)
                row[5] = device
            at = at + timedelta(minutes=rng.randint(2, 9))  # type: ignore[operator]
            if r.appointment and rows[-1][0] == "confirmation":
                rows[-1][1] = max(rows[-1][1], at)  # type: ignore[type-var]
        self._mark(regs, gid, "device_jump")

    def table(self) -> pa.Table:
        cols: dict[str, list[object]] = {n: [] for n in schema.LOCATIONS.names}
        for reg in self.regs:
            rows = sorted(self.by_reg.get(reg.rid, []), key=lambda x: (x[1], x[0]))
            for stage, at, lat, lon, acc, device in rows:
                values = (reg.rid, stage, at.replace(microsecond=0), lat, lon, acc, device)  # type: ignore[union-attr]
                for name, v in zip(schema.LOCATIONS.names, values, strict=True):
                    cols[name].append(v)
        return pa.table(cols, schema=schema.LOCATIONS)


def build(regs: list[Registration], rng: random.Random, chunk: int) -> pa.Table:
    """The chunk's ``locations`` table; sets ``location_id`` / ``location_pattern`` on regs."""
    readings = Readings(regs, rng)
    readings.ordinary()
    readings.plant(chunk)
    return readings.table()
