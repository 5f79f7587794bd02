"""The outline map: the vendored state outlines, the projection, and ZIP centroids.

The outlines are ``us-atlas``'s, converted once by ``scripts/vendor_map.py`` into
longitude/latitude rings (``static/vendor/us-atlas-3.0.1/states.json``); here they
are only read and projected. ZIP centroids come from the ``zipcodes`` package,
which bundles its table in the wheel (coordinates from GeoNames, CC BY 4.0): no
network, no data file to ship.

The projection is the Albers equal-area conic the U.S. Geological Survey uses for
the contiguous states (standard parallels 29.5° and 45.5° N, origin 23° N 96° W):
the border states keep their familiar shapes, and distances along the border read
right.

Example:
    >>> x, y = albers(-96.0, 23.0)
    >>> round(x, 6), round(y, 6)
    (0.0, 0.0)
    >>> zip_centroid("77002") is not None, zip_centroid("00000")
    (True, None)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import zipcodes

STATES_FILE = (
    Path(__file__).resolve().parents[2] / "web" / "static" / "vendor" / "us-atlas-3.0.1"
) / "states.json"
BORDER_STATES = ("CA", "AZ", "NM", "TX")
"""The four states along the border with Mexico: the map always shows them whole."""

_PHI1, _PHI2, _PHI0, _LAMBDA0 = (math.radians(d) for d in (29.5, 45.5, 23.0, -96.0))
_N = (math.sin(_PHI1) + math.sin(_PHI2)) / 2
_C = math.cos(_PHI1) ** 2 + 2 * _N * math.sin(_PHI1)
_RHO0 = math.sqrt(_C - 2 * _N * math.sin(_PHI0)) / _N


def albers(lon: float, lat: float) -> tuple[float, float]:
    """Longitude/latitude in degrees to Albers x (east) and y (north), in earth radii."""
    rho = math.sqrt(_C - 2 * _N * math.sin(math.radians(lat))) / _N
    theta = _N * (math.radians(lon) - _LAMBDA0)
    return rho * math.sin(theta), _RHO0 - rho * math.cos(theta)


@dataclass(frozen=True)
class State:
    code: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]
    """Projected (Albers) rings."""

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        xs = [x for ring in self.rings for x, _ in ring]
        ys = [y for ring in self.rings for _, y in ring]
        return min(xs), min(ys), max(xs), max(ys)


@lru_cache(maxsize=1)
def states() -> tuple[State, ...]:
    """The contiguous states, projected, in FIPS order (read once per process)."""
    data = json.loads(STATES_FILE.read_text(encoding="utf-8"))
    return tuple(
        State(
            code=s["code"],
            name=s["name"],
            rings=tuple(tuple(albers(lon, lat) for lon, lat in ring) for ring in s["rings"]),
        )
        for s in data["states"]
        if s["rings"]
    )


@lru_cache(maxsize=4096)
def zip_centroid(zip5: str | None) -> tuple[float, float] | None:
    """A five-digit ZIP code's (longitude, latitude), or None when it is unknown."""
    if not zip5 or len(zip5) != 5 or not zip5.isdigit():
        return None
    try:
        found = zipcodes.matching(zip5)
    except (TypeError, ValueError):
        return None
    if not found:
        return None
    try:
        return float(found[0]["long"]), float(found[0]["lat"])
    except (KeyError, TypeError, ValueError):
        return None
