"""An address cluster on the map: the ports its travelers came through, and where they went.

The border states are always shown whole; the view grows to take in a destination
further north or east (a cluster in Chicago), and every state the view touches is
drawn, the border states a shade darker. Ports are circles sized by the number of
the cluster's travelers seen there (area, not radius, grows with the count; a port
with none is a small ring), the destination ZIP's centroid a square, and a line
joins each port with travelers to it.

Example:
    >>> svg = cluster_map(
    ...     [Mark("SYS", "SYS 3", -117.03, 32.54, 3)],
    ...     Mark("77002", "77002", -95.37, 29.76),
    ...     label="Where the travelers went",
    ... )
    >>> svg.startswith("<svg") and 'role="img"' in svg
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from puerta.findings.drawing import basemap
from puerta.findings.drawing.svg import document, element, path_data

WIDTH = 640.0
PAD = 16.0
"""Pixels left around what the map must show; more above (the destination's label) and
below (the ports' labels)."""
PAD_ABOVE = 28.0
PAD_BELOW = 36.0
MAX_RADIUS = 16.0
MIN_RADIUS = 4.0
LABEL_SIDE = {"SYS": "left", "EGP": "left", "LRD": "left", "HID": "left", "BRO": "right"}
"""Where a port's label goes when it cannot go below: San Ysidro is next to Calexico,
and the four lower Rio Grande ports are close together on a diagonal. Any other port
(a new one) is labelled below."""


@dataclass(frozen=True)
class Mark:
    """A point on the map: a port (with its count of travelers) or a destination."""

    code: str
    label: str
    """Drawn beside the point, in the reader's language (the caller formats it)."""
    lon: float
    lat: float
    count: int = 0


def _bounds(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    boxes = [s.bounds for s in basemap.states() if s.code in basemap.BORDER_STATES]
    xs = [b[0] for b in boxes] + [b[2] for b in boxes] + [x for x, _ in points]
    ys = [b[1] for b in boxes] + [b[3] for b in boxes] + [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _radius(count: int, most: int) -> float:
    if count <= 0 or most <= 0:
        return MIN_RADIUS
    return MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(count / most)


def cluster_map(
    ports: Sequence[Mark],
    destination: Mark | None,
    *,
    label: str,
    description: str | None = None,
) -> str:
    """The SVG map (a string): states, lines, ports, the destination, their labels."""
    projected = {
        id(m): basemap.albers(m.lon, m.lat) for m in [*ports, *filter(None, [destination])]
    }
    x0, y0, x1, y1 = _bounds(list(projected.values()))
    scale = (WIDTH - 2 * PAD) / (x1 - x0)
    height = (y1 - y0) * scale + PAD_ABOVE + PAD_BELOW
    # What the view shows, in projected units: the states beyond it are not drawn.
    x0, x1 = x0 - PAD / scale, x1 + PAD / scale
    y0, y1 = y0 - PAD_BELOW / scale, y1 + PAD_ABOVE / scale

    def at(point: tuple[float, float]) -> tuple[float, float]:
        return (point[0] - x0) * scale, (y1 - point[1]) * scale

    children = [
        element("rect", {"x": 0, "y": 0, "width": WIDTH, "height": height, "fill": "#eef3fa"})
    ]
    for state in basemap.states():
        sx0, sy0, sx1, sy1 = state.bounds
        if sx1 < x0 or sx0 > x1 or sy1 < y0 or sy0 > y1:
            continue
        border = state.code in basemap.BORDER_STATES
        children.append(
            element(
                "path",
                {
                    "d": path_data([at(p) for p in ring] for ring in state.rings),
                    "fill": "#d9d9d9" if border else "#f0f0f0",
                    "stroke": "#71767a",
                    "stroke-width": 0.8,
                    "class": "state",
                    "data-state": state.code,
                },
            )
        )
    most = max((p.count for p in ports), default=0)
    if destination is not None:
        dx, dy = at(projected[id(destination)])
        for port in ports:
            if port.count > 0:
                px, py = at(projected[id(port)])
                children.append(
                    element(
                        "line",
                        {
                            "x1": px,
                            "y1": py,
                            "x2": dx,
                            "y2": dy,
                            "stroke": "#1a4480",
                            "stroke-opacity": 0.6,
                            "stroke-width": 1 + 3 * port.count / most,
                            "class": "route",
                        },
                    )
                )
    for port in sorted(ports, key=lambda p: (-p.count, p.code)):
        px, py = at(projected[id(port)])
        r = _radius(port.count, most)
        children.append(
            element(
                "circle",
                {
                    "cx": px,
                    "cy": py,
                    "r": r,
                    "fill": "#1a4480" if port.count else "#ffffff",
                    "fill-opacity": 0.85 if port.count else 1,
                    "stroke": "#1a4480",
                    "stroke-width": 1.5,
                    "class": "port",
                    "data-port": port.code,
                },
            )
        )
        side = LABEL_SIDE.get(port.code, "below")
        if side == "below":
            children.append(_label(port.label, px, py + r + 13, anchor="middle"))
        elif side == "left":
            children.append(_label(port.label, px - r - 4, py + 4, anchor="end"))
        else:
            children.append(_label(port.label, px + r + 4, py + 4, anchor="start"))
    if destination is not None:
        dx, dy = at(projected[id(destination)])
        size = 12.0
        children.append(
            element(
                "rect",
                {
                    "x": dx - size / 2,
                    "y": dy - size / 2,
                    "width": size,
                    "height": size,
                    "fill": "#b50909",
                    "stroke": "#1b1b1b",
                    "stroke-width": 1,
                    "class": "destination",
                },
            )
        )
        anchor = "end" if dx > WIDTH - 80 else "start" if dx < 80 else "middle"
        children.append(_label(destination.label, dx, dy - size / 2 - 5, anchor=anchor))
    return document(
        WIDTH, height, label=label, description=description, children=children, css_class="map"
    )


def _label(text: str, x: float, y: float, *, anchor: str) -> str:
    return element(
        "text",
        {
            "x": x,
            "y": y,
            "font-size": 13,
            "font-family": "system-ui, sans-serif",
            "text-anchor": anchor,
            "fill": "#1b1b1b",
            "stroke": "#ffffff",
            "stroke-width": 3,
            "paint-order": "stroke",
        },
        text=text,
    )
