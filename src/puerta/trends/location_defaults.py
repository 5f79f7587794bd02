"""Coordinates that software reports when it does not know where a phone is.

A position at one of these points says more about the software than about the
person: an emulator that was never given a place, an app that sends zeros when
it has no fix, a browser that fell back to the location of an IP address
(databases that know only the country give the country's middle). Each entry
says where the value comes from; the explanation an officer reads names it.

Requests and confirmations are refused outside the eligible area (``geo.area``),
so today only the entries inside it can reach the store through the API (the
two Mexico centroids); the others matter for data sets, for an operator who
widens the area, and for clients that bypass the page.

State centroids are not listed: no authoritative list of the points that
geolocation services give for a Mexican state was at hand, and a guessed point
would flag innocent people near it. Add a row here, with its source, to list one.

Example:
    >>> known_default(37.422, -122.084).code
    'android_emulator'
    >>> known_default(25.6866, -100.3161) is None
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KnownDefault:
    """A point software reports by default, and how close counts as "at" it."""

    code: str
    latitude: float
    longitude: float
    radius_m: float
    source: str


KNOWN_DEFAULTS: tuple[KnownDefault, ...] = (
    KnownDefault(
        "null_island",
        0.0,
        0.0,
        1_000.0,
        "latitude 0, longitude 0: what a phone, an app or a form sends as zeros when it has "
        "no position (nicknamed 'Null Island'); nobody asks for an appointment from the Gulf "
        "of Guinea",
    ),
    KnownDefault(
        "android_emulator",
        37.4220,
        -122.0840,
        200.0,
        "the Android emulator's default location, Google's headquarters in Mountain View "
        "(the emulator's extended controls start at 37.4220, -122.0840); an emulated phone "
        "that was never given a place reports it",
    ),
    KnownDefault(
        "ios_simulator",
        37.33233,
        -122.03122,
        200.0,
        "the iOS Simulator's 'Apple' location (1 Infinite Loop, Cupertino), one of the few "
        "places Xcode's simulator offers by name",
    ),
    KnownDefault(
        "ip_country_mexico",
        23.0,
        -102.0,
        100.0,
        "the point IP-geolocation databases (MaxMind's GeoIP2 and GeoLite2) give an address "
        "they place only in Mexico: a browser that fell back to IP location reports it",
    ),
    KnownDefault(
        "geocoded_mexico",
        23.634501,
        -102.552784,
        100.0,
        "the centre of Mexico that map geocoders (Google's Geocoding API) return for the "
        "country's name: a place typed as 'Mexico' and turned into coordinates",
    ),
    KnownDefault(
        "ip_country_us",
        37.751,
        -97.822,
        100.0,
        "the point MaxMind's databases give an address they place only in the United States "
        "(a farm in Kansas, known from the 2016 reporting on it)",
    ),
    KnownDefault(
        "geographic_center_us",
        39.8283,
        -98.5795,
        100.0,
        "the geographic centre of the contiguous United States (near Lebanon, Kansas), the "
        "default of many geocoders for 'United States'",
    ),
)
"""Every listed default; ``docs/threat-model.md`` points here."""

BY_CODE = {d.code: d for d in KNOWN_DEFAULTS}


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres (enough for radii of a kilometre or less)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def known_default(latitude: float, longitude: float) -> KnownDefault | None:
    """The listed default this point is at (within its radius), if any."""
    for d in KNOWN_DEFAULTS:
        if _metres(latitude, longitude, d.latitude, d.longitude) <= d.radius_m:
            return d
    return None
