"""The evidence drawings: valid SVG, everything inside the view, the same bytes every time."""

from __future__ import annotations

import doctest
import json
import re
import xml.etree.ElementTree as ET

import pytest

from puerta.findings.drawing import basemap, graph, svg, timeline, variations
from puerta.findings.drawing import map as cluster
from puerta.findings.drawing.graph import Edge, Node, ring_graph
from puerta.findings.drawing.map import Mark, cluster_map
from puerta.ports.catalogue import PORTS

NS = {"s": "http://www.w3.org/2000/svg"}


def parsed(text: str) -> ET.Element:
    root = ET.fromstring(text)  # noqa: S314 (our own drawing)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label")
    title = root.find("s:title", NS)
    assert title is not None
    assert title.text == root.get("aria-label")
    return root


def view_box(root: ET.Element) -> tuple[float, float]:
    x, y, w, h = (float(v) for v in root.get("viewBox", "").split())
    assert (x, y) == (0, 0)
    return w, h


def inside(root: ET.Element, tag: str, xattr: str, yattr: str) -> list[tuple[float, float]]:
    w, h = view_box(root)
    points = [
        (float(e.get(xattr, "")), float(e.get(yattr, ""))) for e in root.iter(f"{{{NS['s']}}}{tag}")
    ]
    for x, y in points:
        assert 0 <= x <= w
        assert 0 <= y <= h
    return points


def ports(counts: dict[str, int]) -> list[Mark]:
    return [Mark(p.code, p.code, p.longitude, p.latitude, counts.get(p.code, 0)) for p in PORTS]


@pytest.mark.parametrize("zip5", ["77002", "60601", "10001", "92101", "33101"])
def test_the_map_shows_every_port_and_the_destination_inside_its_view(zip5: str) -> None:
    lon, lat = basemap.zip_centroid(zip5)  # type: ignore[misc]
    text = cluster_map(
        ports({"SYS": 5, "HID": 2}), Mark(zip5, f"ZIP {zip5}", lon, lat), label="Map"
    )
    root = parsed(text)
    circles = inside(root, "circle", "cx", "cy")
    assert len(circles) == len(PORTS)
    (square,) = [r for r in root.iter(f"{{{NS['s']}}}rect") if r.get("class") == "destination"]
    w, h = view_box(root)
    assert 0 <= float(square.get("x", "")) <= w
    assert 0 <= float(square.get("y", "")) <= h
    # A line from each port with travelers, none from a port without.
    lines = [e for e in root.iter(f"{{{NS['s']}}}line") if e.get("class") == "route"]
    assert len(lines) == 2
    for line in lines:
        for a, b in (("x1", "y1"), ("x2", "y2")):
            assert 0 <= float(line.get(a, "")) <= w
            assert 0 <= float(line.get(b, "")) <= h
    # The border states are drawn whatever the destination.
    drawn = {p.get("data-state") for p in root.iter(f"{{{NS['s']}}}path")}
    assert set(basemap.BORDER_STATES) <= drawn


def test_a_port_with_more_travelers_is_a_bigger_circle() -> None:
    root = parsed(cluster_map(ports({"SYS": 9, "ELP": 1}), None, label="Map"))
    radius = {c.get("data-port"): float(c.get("r", "")) for c in root.iter(f"{{{NS['s']}}}circle")}
    assert radius["SYS"] > radius["ELP"] > radius["BRO"]


def test_a_far_destination_widens_the_view_and_draws_the_states_it_takes_in() -> None:
    near = parsed(cluster_map(ports({}), Mark("Z", "Z", *basemap.zip_centroid("77002")), label="m"))  # type: ignore[misc]
    far = parsed(cluster_map(ports({}), Mark("Z", "Z", *basemap.zip_centroid("10001")), label="m"))  # type: ignore[misc]
    states = lambda root: {p.get("data-state") for p in root.iter(f"{{{NS['s']}}}path")}  # noqa: E731
    assert "NY" in states(far)
    assert "NY" not in states(near)
    assert view_box(far)[1] != view_box(near)[1]


def test_the_map_text_is_escaped() -> None:
    text = cluster_map(ports({}), None, label='Ports <&> "quoted"')
    root = parsed(text)
    assert root.get("aria-label") == 'Ports <&> "quoted"'


def test_drawings_are_deterministic() -> None:
    dest = Mark("77002", "77002", *basemap.zip_centroid("77002"))  # type: ignore[misc]
    assert cluster_map(ports({"SYS": 3}), dest, label="m") == cluster_map(
        ports({"SYS": 3}), dest, label="m"
    )
    nodes = [Node(f"R{i}", str(i)) for i in range(12)]
    edges = [Edge("R0", f"R{i}", "phone") for i in range(1, 12)] + [Edge("R3", "R4", "device")]
    first = ring_graph(nodes, edges, label="g", kind_labels={})
    assert first == ring_graph(list(nodes), list(edges), label="g", kind_labels={})
    assert timeline.timeline([0, 3, 5], label="t", tick_label=str) == timeline.timeline(
        [5, 0, 3], label="t", tick_label=str
    )


def test_the_timeline_has_a_dot_per_registration_and_steps_up_to_the_count() -> None:
    offsets = [0, 1, 1, 4, 30, 31]
    root = parsed(
        timeline.timeline(offsets, label="Registrations", tick_label=lambda s: f"{s:g} s")
    )
    dots = [c for c in root.iter(f"{{{NS['s']}}}circle") if c.get("class") == "event"]
    assert len(dots) == len(offsets)
    inside(root, "circle", "cx", "cy")
    xs = [float(d.get("cx", "")) for d in dots]
    ys = [float(d.get("cy", "")) for d in dots]
    assert xs == sorted(xs)
    assert ys == sorted(ys, reverse=True)  # each registration one step higher
    labels = [t.text for t in root.iter(f"{{{NS['s']}}}text")]
    assert "0 s" in labels
    assert "30 s" in labels


def test_a_timeline_of_one_registration_is_still_a_drawing() -> None:
    root = parsed(timeline.timeline([0], label="t", tick_label=str))
    inside(root, "circle", "cx", "cy")


def test_the_ring_graph_draws_each_registration_and_each_kind_of_link() -> None:
    nodes = [Node(f"R{i}", str(i + 1)) for i in range(6)]
    edges = [
        Edge("R0", "R1", "phone"),
        Edge("R0", "R1", "email"),  # two kinds between one pair: two edges
        Edge("R1", "R2", "phone"),
        Edge("R3", "R4", "device"),
        Edge("R4", "R5", "photo"),
    ]
    root = parsed(
        ring_graph(nodes, edges, label="Ring", kind_labels={"phone": "Phone", "email": "E-mail"})
    )
    circles = inside(root, "circle", "cx", "cy")
    assert len(circles) == 6
    assert len(set(circles)) == 6  # no two nodes on one spot
    drawn = [
        p for p in root.iter(f"{{{NS['s']}}}path") if (p.get("class") or "").startswith("edge")
    ]
    assert len(drawn) == len(edges)
    dashes = {p.get("class"): p.get("stroke-dasharray") for p in drawn}
    assert len(set(dashes.values())) == 4  # told apart without colour
    labels = {t.text for t in root.iter(f"{{{NS['s']}}}text")}
    assert {"1", "6", "Phone", "E-mail", "device", "photo"} <= labels
    w, h = view_box(root)
    for d in (p.get("d", "") for p in drawn):
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
        assert all(0 <= v <= max(w, h) for v in numbers)


def test_the_layout_pulls_linked_registrations_together() -> None:
    nodes = [f"R{i}" for i in range(8)]
    edges = [("R0", "R4")]  # opposite each other on the starting circle
    pos = graph.layout(nodes, edges)

    def dist(a: str, b: str) -> float:
        return ((pos[a][0] - pos[b][0]) ** 2 + (pos[a][1] - pos[b][1]) ** 2) ** 0.5

    others = [dist("R0", n) for n in nodes if n not in ("R0", "R4")]
    assert dist("R0", "R4") < min(others)


def test_variations_mark_what_differs_from_what_most_wrote() -> None:
    rows = dict(
        variations.side_by_side(
            [
                {"given": "Ana", "family": "Pérez", "born": "1990-03-07"},
                {"given": "ANA ", "family": "Peres", "born": "1990-03-07"},
                {"given": "Anna", "family": "Pérez", "born": "1990-07-03"},
            ],
            ["given", "family", "born"],
        )
    )
    assert [c.differs for c in rows["given"]] == [False, False, True]
    assert [c.differs for c in rows["family"]] == [False, True, False]
    assert [c.differs for c in rows["born"]] == [False, False, True]
    assert rows["given"][1].text == "ANA "


def test_the_vendored_map_is_small_and_holds_the_border_states() -> None:
    assert basemap.STATES_FILE.stat().st_size < 150_000
    data = json.loads(basemap.STATES_FILE.read_text())
    codes = {s["code"] for s in data["states"]}
    assert set(basemap.BORDER_STATES) <= codes
    assert len(codes) == 49  # the contiguous states and D.C.
    licence = basemap.STATES_FILE.parent / "LICENSE"
    assert "ISC" in (basemap.STATES_FILE.parent / "README.md").read_text()
    assert licence.exists()


def test_every_port_lies_in_a_border_state() -> None:
    from shapely.geometry import Point, Polygon

    by_code = {s.code: s for s in basemap.states()}
    for port in PORTS:
        x, y = basemap.albers(port.longitude, port.latitude)
        state = by_code[port.state]
        # The simplified outline may cut a corner: within ~3 km of the state.
        assert any(Polygon(r).distance(Point(x, y)) < 5e-4 for r in state.rings), port.code


def test_zip_centroids_come_from_the_bundled_table() -> None:
    lon, lat = basemap.zip_centroid("77002")  # type: ignore[misc]
    assert -96 < lon < -95
    assert 29 < lat < 30.5
    assert basemap.zip_centroid("7700") is None
    assert basemap.zip_centroid(None) is None
    assert basemap.zip_centroid("ABCDE") is None


def test_svg_numbers_are_written_one_way() -> None:
    assert svg.num(1.0) == "1"
    assert svg.num(-0.04) == "0"
    assert svg.num(2.345) == "2.3"


@pytest.mark.parametrize("module", [svg, basemap, cluster, timeline, graph, variations])
def test_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0
    assert result.attempted > 0


def test_a_hub_is_a_square_linked_to_each_holder() -> None:
    nodes = [Node(f"R{i}", str(i + 1)) for i in range(5)] + [Node("hub:0", "A", hub=True)]
    edges = [Edge("hub:0", f"R{i}", "device") for i in range(5)]
    root = parsed(ring_graph(nodes, edges, label="Ring", kind_labels={"device": "Device"}))
    hubs = [e for e in root.iter(f"{{{NS['s']}}}rect") if e.get("class") == "hub"]
    assert len(hubs) == 1
    assert len([e for e in root.iter() if e.get("class") == "node"]) == 5
    assert len([e for e in root.iter() if e.get("class") == "edge edge-device"]) == 5
