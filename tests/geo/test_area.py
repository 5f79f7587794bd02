"""The eligible area: northern and central Mexico, not the United States, not the far south."""

from __future__ import annotations

import pytest

from puerta.geo.area import is_eligible


@pytest.mark.parametrize(
    ("place", "lat", "lon", "inside"),
    [
        ("Tijuana", 32.5149, -117.0382, True),
        ("Ciudad Juárez", 31.69, -106.42, True),
        ("Monterrey", 25.67, -100.31, True),
        ("Matamoros", 25.87, -97.50, True),
        ("Guadalajara", 20.67, -103.35, True),
        ("Tapachula", 14.90, -92.26, False),
        ("Oaxaca", 17.07, -96.72, False),
        ("Houston", 29.76, -95.37, False),
        ("San Diego", 32.72, -117.16, False),
        ("El Paso", 31.80, -106.44, False),
    ],
)
def test_default_area(place: str, lat: float, lon: float, inside: bool) -> None:
    assert is_eligible(lat, lon) is inside, place


def test_custom_polygon() -> None:
    square = "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"
    assert is_eligible(0.5, 0.5, square)
    assert not is_eligible(2, 2, square)
