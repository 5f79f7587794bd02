"""The SVG charts: valid, accessible, deterministic, and faithful to their numbers."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from puerta.dashboards import charts
from puerta.dashboards.charts import Series

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """The chart as XML: it must be well-formed (the charts are our own output)."""
    return ET.fromstring(svg)  # noqa: S314


DAYS = [f"Day {d}" for d in range(1, 41)]


def _line(values: tuple[float | None, ...], **kw: object) -> ET.Element:
    svg = charts.line_chart(
        chart_id="t",
        title="Requests per day",
        summary="12 requests",
        x_labels=DAYS[: len(values)],
        series=[Series("SYS", values)],
        locale=str(kw.get("locale", "en")),
        percent=bool(kw.get("percent", False)),
    )
    return parse(str(svg))


def _view_box(root: ET.Element) -> tuple[float, float]:
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    return width, height


def test_a_chart_is_one_accessible_image() -> None:
    root = _line((1, 2, 3))
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-label"] == "12 requests"
    assert root.find(f"{SVG}title").text == "Requests per day"  # type: ignore[union-attr]
    assert "width" not in root.attrib  # it scales with its container, by its viewBox
    assert _view_box(root)[0] == charts.WIDTH


def test_text_is_escaped() -> None:
    svg = charts.bar_chart(
        chart_id="t",
        title="<script>",
        summary='a "quote" & <b>',
        x_labels=["<x>"],
        series=[Series("<s>", (1,))],
        locale="en",
    )
    root = parse(str(svg))
    assert root.attrib["aria-label"] == 'a "quote" & <b>'
    assert "<script>" not in str(svg)


def test_the_same_input_draws_the_same_bytes() -> None:
    args = {
        "chart_id": "t",
        "title": "T",
        "summary": "S",
        "x_labels": DAYS[:5],
        "series": [Series("A", (1, 2, 3, 4, 5)), Series("B", (5, 4, None, 2, 1))],
        "locale": "es",
    }
    assert charts.line_chart(**args) == charts.line_chart(**args)  # type: ignore[arg-type]
    assert charts.bar_chart(**args) == charts.bar_chart(**args)  # type: ignore[arg-type]


def test_colour_is_never_the_only_cue() -> None:
    series = [Series(f"P{i}", (i, i + 1)) for i in range(9)]
    line = parse(
        str(
            charts.line_chart(
                chart_id="t", title="T", summary="S", x_labels=DAYS[:2], series=series, locale="en"
            )
        )
    )
    groups = line.findall(f".//{SVG}g[@class='series']")
    # Each series: its own (marker, dash) pair, so two series never look alike in grey.
    looks = set()
    for g in groups:
        marker = g.find(f".//{SVG}use").attrib["href"]  # type: ignore[union-attr]
        dash = g.find(f"{SVG}polyline").attrib.get("stroke-dasharray", "")  # type: ignore[union-attr]
        looks.add((line.find(f".//{SVG}path[@id='{marker[1:]}']").attrib["d"], dash))  # type: ignore[union-attr]
    assert len(looks) == len(series)
    bars = parse(
        str(
            charts.bar_chart(
                chart_id="t",
                title="T",
                summary="S",
                x_labels=DAYS[:2],
                series=series[:7],
                locale="en",
            )
        )
    )
    patterns = bars.findall(f".//{SVG}pattern")
    assert len({ET.tostring(p).replace(p.attrib["id"].encode(), b"") for p in patterns}) == 7
    legend = bars.find(f".//{SVG}g[@class='legend']")
    assert [t.text for t in legend.iter(f"{SVG}text")] == [s.label for s in series[:7]]  # type: ignore[union-attr]


def test_a_missing_value_is_a_gap_not_a_zero() -> None:
    root = _line((1, 2, None, 3, 4))
    assert len(root.findall(f".//{SVG}polyline")) == 2
    assert len(root.findall(f".//{SVG}g[@class='series']//{SVG}use")) == 4


def test_numbers_are_in_the_page_language() -> None:
    spanish = parse(
        str(
            charts.bar_chart(
                chart_id="t",
                title="T",
                summary="S",
                x_labels=["a"],
                series=[Series("s", (12_000,))],
                locale="es",
            )
        )
    )
    ticks = [t.text for t in spanish.iter(f"{SVG}text") if t.attrib.get("class") == "tick"]
    assert "10.000" in ticks
    rates = _line((0.25, 0.5), locale="es", percent=True)
    ticks = [t.text for t in rates.iter(f"{SVG}text") if t.attrib.get("class") == "tick"]
    assert "20\xa0%" in ticks
    assert "100\xa0%" in ticks


def test_count_ticks_are_whole_numbers() -> None:
    root = _line((0, 1, 3))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.attrib.get("class") == "tick"]
    assert ticks[:4] == ["0", "1", "2", "3"]


def test_long_ranges_label_some_days_and_keep_the_rest_as_ticks() -> None:
    root = _line(tuple(float(i) for i in range(28)))  # "Day 10" and on: 6 characters
    x_axis = root.find(f".//{SVG}g[@class='x-axis']")
    labels = [t.text for t in x_axis.iter(f"{SVG}text")]  # type: ignore[union-attr]
    assert 4 <= len(labels) < 28
    assert labels[-1] == "Day 28"  # the range's last day is always named
    assert len(x_axis.findall(f"{SVG}line")) == 28  # type: ignore[union-attr]


values = st.lists(
    st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=40,
)


@given(values)
def test_points_rise_with_their_values_and_stay_in_the_picture(vals: list[float]) -> None:
    root = _line(tuple(vals))
    width, height = _view_box(root)
    points = [
        (float(u.attrib["data-value"]), float(u.attrib["x"]), float(u.attrib["y"]))
        for u in root.findall(f".//{SVG}g[@class='series']//{SVG}use")
    ]
    assert len(points) == len(vals)
    xs = [x for _, x, _ in points]
    assert xs == sorted(xs)  # days left to right
    by_value = sorted(points)
    for (v1, _, y1), (v2, _, y2) in itertools.pairwise(by_value):
        assert y2 <= y1 + 1e-6 if v2 >= v1 else True
        if v2 > v1 * (1 + 1e-3) + 1e-9:
            assert y2 < y1 or abs(y2 - y1) < 0.1  # printed to 0.1
    assert all(0 <= x <= width and 0 <= y <= height for _, x, y in points)


@given(values)
def test_bars_grow_with_their_values(vals: list[float]) -> None:
    root = parse(
        str(
            charts.bar_chart(
                chart_id="t",
                title="T",
                summary="S",
                x_labels=DAYS[: len(vals)],
                series=[Series("s", tuple(vals))],
                locale="en",
            )
        )
    )
    _, height = _view_box(root)
    bars = sorted(
        (float(r.attrib["data-value"]), float(r.attrib["height"]), float(r.attrib["y"]))
        for r in root.findall(f".//{SVG}rect[@data-value]")
    )
    assert len(bars) == sum(1 for v in vals if v)
    heights = [h for _, h, _ in bars]
    assert heights == sorted(heights)
    assert all(y >= 0 and y + h <= height for _, h, y in bars)


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12))
def test_horizontal_bars_grow_with_their_values(vals: list[int]) -> None:
    root = parse(
        str(
            charts.hbar_chart(
                chart_id="t",
                title="T",
                summary="S",
                y_labels=[f"Language {i}" for i in range(len(vals))],
                series=[Series("served", tuple(float(v) for v in vals))],
                locale="en",
            )
        )
    )
    width, _ = _view_box(root)
    bars = sorted(
        (float(r.attrib["data-value"]), float(r.attrib["width"]), float(r.attrib["x"]))
        for r in root.findall(f".//{SVG}rect[@data-value]")
    )
    widths = [w for _, w, _ in bars]
    assert widths == sorted(widths)
    assert all(x + w <= width for _, w, x in bars)


def test_nice_ticks_cover_the_top() -> None:
    for top in (0.3, 1, 7, 9.99, 10, 11, 1234, 10**6 + 1):
        ticks = charts.nice_ticks(top)
        assert ticks[0] == 0
        assert ticks[-1] >= top
        assert len(ticks) <= 7
