"""A ring's graph: registrations as numbered nodes, each shared contact an edge.

A contact shared by two registrations is an edge between them; one shared by more
is best drawn as a hub (a square node of its own) with an edge to each holder: a
device behind 26 registrations is then 26 edges, not 325.

The layout is deterministic: nodes start on a circle in the order given, then a
few iterations of a force layout (Fruchterman and Reingold: every pair repels,
linked nodes attract) pull linked registrations together; no randomness, so the
same ring is drawn the same way every time. Edges are told apart by their dash
pattern as well as their colour (a legend names them), and two registrations
sharing several kinds of contact get one slightly curved edge per kind.

Example:
    >>> svg = ring_graph(
    ...     [Node("R1", "1"), Node("R2", "2"), Node("R3", "3")],
    ...     [Edge("R1", "R2", "phone"), Edge("R2", "R3", "device")],
    ...     label="Ring", kind_labels={"phone": "Phone", "device": "Device"},
    ... )
    >>> svg.count('class="node"'), svg.count('class="edge')
    (3, 2)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from puerta.findings.drawing.svg import document, element, num

SIZE = 480.0
PAD = 28.0
LEGEND_ROW = 24.0
RADIUS = 13.0
ITERATIONS = 60
MAX_NODES = 60
"""Larger rings are not drawn (the layout costs the square of the nodes, and a graph
of hundreds of dots says less than the table beside it)."""
#: (colour, dash pattern) per kind of link; a kind not listed is drawn plain grey.
STYLES: dict[str, tuple[str, str | None]] = {
    "phone": ("#1a4480", None),
    "email": ("#7a4100", "7 4"),
    "device": ("#b50909", "2 3"),
    "photo": ("#155724", "10 3 2 3"),
}
OTHER = ("#565c65", "4 4")


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    """Drawn in the node (short: a number the table beside the graph explains)."""
    hub: bool = False
    """A shared value itself (a square), its registrations each linked to it: a value
    shared by many draws as a star, not as every pair among them."""


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    kind: str


def layout(
    nodes: Sequence[str], edges: Sequence[tuple[str, str]]
) -> dict[str, tuple[float, float]]:
    """Positions in the unit square, the same for the same nodes and edges.

    Example:
        >>> pos = layout(["a", "b", "c"], [("a", "b")])
        >>> pos == layout(["a", "b", "c"], [("a", "b")])
        True
        >>> all(0 <= x <= 1 and 0 <= y <= 1 for x, y in pos.values())
        True
    """
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.5, 0.5)}
    pos = {
        node: [0.5 + 0.5 * math.cos(2 * math.pi * i / n - math.pi / 2),
               0.5 + 0.5 * math.sin(2 * math.pi * i / n - math.pi / 2)]
        for i, node in enumerate(nodes)
    }  # fmt: skip
    pairs = sorted({(min(a, b), max(a, b)) for a, b in edges if a != b and a in pos and b in pos})
    k = math.sqrt(1.0 / n)
    temperature = 0.1
    for _ in range(ITERATIONS):
        move = {node: [0.0, 0.0] for node in nodes}
        for i, u in enumerate(nodes):
            for v in nodes[i + 1 :]:
                dx, dy = pos[u][0] - pos[v][0], pos[u][1] - pos[v][1]
                dist = max(math.hypot(dx, dy), 1e-6)
                push = k * k / dist
                move[u][0] += dx / dist * push
                move[u][1] += dy / dist * push
                move[v][0] -= dx / dist * push
                move[v][1] -= dy / dist * push
        for u, v in pairs:
            dx, dy = pos[u][0] - pos[v][0], pos[u][1] - pos[v][1]
            dist = max(math.hypot(dx, dy), 1e-6)
            pull = dist * dist / k
            move[u][0] -= dx / dist * pull
            move[u][1] -= dy / dist * pull
            move[v][0] += dx / dist * pull
            move[v][1] += dy / dist * pull
        for node in nodes:
            mx, my = move[node]
            length = max(math.hypot(mx, my), 1e-9)
            step = min(length, temperature)
            pos[node][0] += mx / length * step
            pos[node][1] += my / length * step
        temperature *= 0.95
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    ox = (1 - (max(xs) - min(xs)) / span) / 2
    oy = (1 - (max(ys) - min(ys)) / span) / 2
    return {
        node: (ox + (p[0] - min(xs)) / span, oy + (p[1] - min(ys)) / span)
        for node, p in pos.items()
    }


def ring_graph(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    *,
    label: str,
    kind_labels: Mapping[str, str],
    description: str | None = None,
) -> str:
    """The SVG graph (a string): edges, then nodes with their labels, then a legend."""
    ids = [n.id for n in nodes]
    pos = layout(ids, [(e.a, e.b) for e in edges])
    inner = SIZE - 2 * PAD

    def at(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return PAD + inner * x, PAD + inner * y

    used = sorted({e.kind for e in edges if e.a in pos and e.b in pos and e.a != e.b})
    height = SIZE + LEGEND_ROW * ((len(used) + 1) // 2) + 8
    children = [
        element("rect", {"x": 0, "y": 0, "width": SIZE, "height": height, "fill": "#ffffff"})
    ]
    by_pair: dict[tuple[str, str], list[str]] = {}
    for e in edges:
        if e.a in pos and e.b in pos and e.a != e.b:
            kinds = by_pair.setdefault((min(e.a, e.b), max(e.a, e.b)), [])
            if e.kind not in kinds:
                kinds.append(e.kind)
    for (a, b), kinds in sorted(by_pair.items()):
        (x1, y1), (x2, y2) = at(a), at(b)
        length = max(math.hypot(x2 - x1, y2 - y1), 1e-9)
        nx, ny = -(y2 - y1) / length, (x2 - x1) / length
        for i, kind in enumerate(sorted(kinds)):
            bend = (i - (len(kinds) - 1) / 2) * 14
            cx, cy = (x1 + x2) / 2 + nx * bend, (y1 + y2) / 2 + ny * bend
            colour, dash = STYLES.get(kind, OTHER)
            children.append(
                element(
                    "path",
                    {
                        "d": f"M{num(x1)} {num(y1)}Q{num(cx)} {num(cy)} {num(x2)} {num(y2)}",
                        "fill": "none",
                        "stroke": colour,
                        "stroke-width": 2,
                        "stroke-dasharray": dash,
                        "class": f"edge edge-{kind}",
                    },
                )
            )
    for node in nodes:
        x, y = at(node.id)
        if node.hub:
            children.append(
                element(
                    "rect",
                    {"x": x - RADIUS, "y": y - RADIUS, "width": 2 * RADIUS, "height": 2 * RADIUS,
                     "fill": "#f0f0f0", "stroke": "#1b1b1b", "stroke-width": 1.5, "class": "hub",
                     "data-node": node.id},
                )
            )  # fmt: skip
        else:
            children.append(
                element(
                    "circle",
                    {"cx": x, "cy": y, "r": RADIUS, "fill": "#ffffff", "stroke": "#1b1b1b",
                     "stroke-width": 1.5, "class": "node", "data-node": node.id},
                )
            )  # fmt: skip
        children.append(_text(node.label, x, y + 4, "middle", 12))
    for i, kind in enumerate(used):
        colour, dash = STYLES.get(kind, OTHER)
        # Two to a row, each in half the width: room for a long name in any language.
        x, y = 8.0 + (SIZE / 2) * (i % 2), SIZE + LEGEND_ROW * (i // 2) + LEGEND_ROW / 2
        children.append(
            element(
                "line",
                {"x1": x, "y1": y, "x2": x + 28, "y2": y, "stroke": colour, "stroke-width": 2,
                 "stroke-dasharray": dash},
            )
        )  # fmt: skip
        children.append(_text(kind_labels.get(kind, kind), x + 34, y + 4, "start", 12))
    return document(
        SIZE, height, label=label, description=description, children=children, css_class="graph"
    )


def _text(text: str, x: float, y: float, anchor: str, size: int) -> str:
    return element(
        "text",
        {"x": x, "y": y, "font-size": size, "font-family": "system-ui, sans-serif",
         "text-anchor": anchor, "fill": "#1b1b1b"},
        text=text,
    )  # fmt: skip
