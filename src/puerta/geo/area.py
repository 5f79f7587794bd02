"""The eligible area: a polygon the device's coordinates must fall inside.

The default follows the report: Mexico north of Mexico City's latitude, within
reach of the border. It is coarse on purpose (generous at coasts) and can be
replaced with ``PUERTA_ELIGIBLE_AREA_WKT``.
"""

from __future__ import annotations

from functools import lru_cache

from shapely import wkt
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

MEXICO_CITY_LATITUDE = 19.43

# (longitude, latitude): the U.S. border west to east, the Gulf coast south to
# Mexico City's latitude, west along it, then up the Pacific coast and Baja.
NORTHERN_MEXICO: tuple[tuple[float, float], ...] = (
    (-117.13, 32.54),
    (-114.72, 32.72),
    (-111.07, 31.33),
    (-108.21, 31.33),
    (-108.21, 31.78),
    (-106.53, 31.78),
    (-104.90, 30.60),
    (-104.40, 29.60),
    (-103.30, 28.98),
    (-102.60, 29.75),
    (-101.40, 29.77),
    (-100.30, 28.20),
    (-99.50, 27.50),
    (-99.10, 26.40),
    (-98.20, 26.05),
    (-97.14, 25.96),
    (-97.40, 24.00),
    (-97.00, 21.50),
    (-96.00, MEXICO_CITY_LATITUDE),
    (-105.60, MEXICO_CITY_LATITUDE),
    (-105.70, 20.40),
    (-109.40, 22.80),
    (-110.30, 23.50),
    (-112.20, 24.80),
    (-114.10, 27.40),
    (-115.30, 28.90),
    (-116.40, 30.50),
    (-117.13, 32.54),
)


@lru_cache(maxsize=8)
def eligible_area(wkt_text: str = "") -> BaseGeometry:
    if wkt_text.strip():
        shape = wkt.loads(wkt_text)
        if not shape.is_valid or shape.area == 0:
            raise ValueError("PUERTA_ELIGIBLE_AREA_WKT is not a valid polygon")
        return shape
    return Polygon(NORTHERN_MEXICO)


def is_eligible(latitude: float, longitude: float, wkt_text: str = "") -> bool:
    return eligible_area(wkt_text).covers(Point(longitude, latitude))
