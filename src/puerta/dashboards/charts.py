"""Line and bar charts drawn on the server as SVG: pure functions, no JavaScript.

Why on the server: the dashboards must work without JavaScript, print, and stay
readable on a cheap phone; a chart is a few kilobytes of markup the page already
sends. Each chart:

- scales with its container (a ``viewBox`` and no fixed size; ``staff.css`` sets the
  width), drawn at a width whose text stays readable when a phone shrinks it;
- is one image to assistive technology (``role="img"``, a ``<title>`` and an
  ``aria-label`` summarising what it shows); the page puts its numbers in a table
  beside it, so nothing is only in the picture;
- uses the Okabe–Ito palette (told apart with the common colour-vision
  deficiencies) and never colour alone: every line series has its own marker shape
  and dash pattern, every bar series its own fill pattern, and the legend shows both;
- formats numbers with Babel in the page's language.

The output is deterministic (same input, same bytes), so it can be tested and cached.

Example:
    >>> svg = line_chart(
    ...     chart_id="demo", title="Requests", summary="Requests per day",
    ...     x_labels=["Mar 1", "Mar 2"], series=[Series("SYS", (3, 5))], locale="en")
    >>> svg.startswith("<svg")
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from babel import numbers as babel_numbers
from markupsafe import Markup

#: Okabe & Ito's colour-blind-safe palette, the yellow left out (too pale on white),
#: darkest first so that a chart with few series has the most contrast.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9")
#: Marker shapes centred on the origin, one per series (then repeated with another dash).
MARKERS = (
    "M0,-4.5A4.5,4.5 0 1,1 0,4.5A4.5,4.5 0 1,1 0,-4.5Z",  # circle
    "M-4,-4H4V4H-4Z",  # square
    "M0,-5L4.5,3.5H-4.5Z",  # triangle
    "M0,-5.5L5,0L0,5.5L-5,0Z",  # diamond
    "M0,5L4.5,-3.5H-4.5Z",  # triangle down
    "M-1.6,-5H1.6V-1.6H5V1.6H1.6V5H-1.6V1.6H-5V-1.6H-1.6Z",  # plus
    "M-5,-2.5L-2.5,-5L0,-2.5L2.5,-5L5,-2.5L2.5,0L5,2.5L2.5,5L0,2.5L-2.5,5L-5,2.5L-2.5,0Z",  # x
)
DASHES = ("", "7 3", "2 3", "9 3 2 3", "4 4", "12 4", "1 2")
#: Bar fill patterns drawn in white over the series colour, 8 units square.
PATTERNS = (
    "",  # solid
    "M-2,2L2,-2M0,8L8,0M6,10L10,6",  # diagonal
    "M2,0V8M6,0V8",  # vertical
    "M0,2H8M0,6H8",  # horizontal
    "M0,0L8,8M8,0L0,8",  # cross
    "M-2,6L2,10M0,0L8,8M6,-2L10,2",  # other diagonal
    "M4,0V8M0,4H8",  # grid
)

WIDTH = 400
FONT = 13
CHAR = 0.6 * FONT  # a rough advance of one character, for laying out labels
TOP = 12
PLOT_HEIGHT = 170
AXIS_GAP = 6
LEGEND_ROW = 22
INK = "#1b1b1b"
GRID = "#d6d6d6"


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category (None: no value there, drawn as a gap)."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Frame:
    """Where the plot sits in the viewBox and the value range it shows."""

    left: float
    right: float
    top: float
    bottom: float
    y_max: float

    def x(self, index: int, count: int) -> float:
        """The centre of category ``index`` of ``count`` (bars and points share it)."""
        return self.left + (index + 0.5) * (self.right - self.left) / max(count, 1)

    def y(self, value: float) -> float:
        """The vertical position of ``value``: 0 at the bottom, ``y_max`` at the top."""
        return self.bottom - (value / self.y_max) * (self.bottom - self.top)


def nice_ticks(top: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round tick values from 0 to at least ``top`` (at most ``count + 1`` of them);
    ``whole``: steps of whole numbers only (counts: no "2.5 registrations").

    Example:
        >>> nice_ticks(17)
        [0, 5, 10, 15, 20]
        >>> nice_ticks(0.37)
        [0, 0.1, 0.2, 0.3, 0.4]
        >>> nice_ticks(3, whole=True)
        [0, 1, 2, 3]
    """
    if not math.isfinite(top) or top <= 1e-9:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1, math.ceil(step))
    n = max(1, math.ceil(top / step - 1e-9))
    return [_tidy(i * step) for i in range(n + 1)]


def _tidy(value: float) -> float:
    rounded = round(value, 10)
    return int(rounded) if rounded == int(rounded) else rounded


def number_format(locale: str, *, percent: bool = False) -> Callable[[float], str]:
    """Babel's number format for ``locale``: ``0.25`` as "25%" when ``percent``."""
    if percent:
        # The language's own pattern ("25 %" in Spanish), to a tenth of a percent.
        return lambda v: babel_numbers.format_percent(
            round(v, 3), locale=locale, decimal_quantization=False
        )
    return lambda v: babel_numbers.format_decimal(v, "#,##0.##", locale=locale)


def line_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    locale: str,
    percent: bool = False,
) -> Markup:
    """Lines over categories (days), each series with its own marker and dash."""
    fmt = number_format(locale, percent=percent)
    top = max((v for s in series for v in s.values if v is not None), default=0)
    frame, ticks = _frame(top, fmt, percent=percent)
    n = len(x_labels)
    parts = [_grid(frame, ticks, fmt), _x_axis(frame, x_labels)]
    # Many days: smaller markers, so that they do not hide each other's lines.
    size = "" if n <= 14 else ' transform="scale(0.7)"'
    defs = [
        f'<path id="{chart_id}-m{i}" d="{MARKERS[i % len(MARKERS)]}"{size}/>'
        for i in range(len(series))
    ]
    for i, s in enumerate(series):
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[(i // len(MARKERS) + i) % len(DASHES)]
        runs: list[list[str]] = [[]]
        points = []
        for j, v in enumerate(s.values[:n]):
            if v is None:
                runs.append([])
                continue
            x, y = frame.x(j, n), frame.y(v)
            runs[-1].append(f"{x:.1f},{y:.1f}")
            points.append(
                f'<use href="#{chart_id}-m{i}" x="{x:.1f}" y="{y:.1f}" data-value="{v}">'
                f"<title>{escape(s.label)}, {escape(x_labels[j])}: {escape(fmt(v))}</title></use>"
            )
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        lines = "".join(
            f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attr}/>'
            for run in runs
            if len(run) > 1
        )
        parts.append(
            f'<g class="series" data-series="{i}">{lines}'
            f'<g fill="{colour}" stroke="{INK}" stroke-width="1">{"".join(points)}</g></g>'
        )
    legend, height = _legend(
        series, frame.bottom + AXIS_GAP + FONT + 14, chart_id=chart_id, kind="line"
    )
    return _svg(chart_id, title, summary, height, defs, [*parts, legend])


def bar_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    locale: str,
    percent: bool = False,
    stacked: bool = True,
) -> Markup:
    """Bars per category: stacked (the series add up) or side by side."""
    fmt = number_format(locale, percent=percent)
    n = len(x_labels)
    if stacked:
        top = max((sum(s.values[j] or 0 for s in series) for j in range(n)), default=0)
    else:
        top = max((v for s in series for v in s.values if v is not None), default=0)
    frame, ticks = _frame(top, fmt, percent=percent)
    band = (frame.right - frame.left) / max(n, 1)
    width = band * 0.7 if stacked else band * 0.8 / max(len(series), 1)
    defs = [_pattern(chart_id, i) for i in range(len(series))]
    parts = [_grid(frame, ticks, fmt), _x_axis(frame, x_labels)]
    base = [0.0] * n
    for i, s in enumerate(series):
        bars = []
        for j, v in enumerate(s.values[:n]):
            if not v:
                continue
            if stacked:
                x = frame.x(j, n) - width / 2
                y0, y1 = frame.y(base[j]), frame.y(base[j] + v)
                base[j] += v
            else:
                x = frame.x(j, n) - band * 0.4 + i * width
                y0, y1 = frame.y(0), frame.y(v)
            bars.append(
                f'<rect x="{x:.1f}" y="{y1:.1f}" width="{width:.1f}" height="{y0 - y1:.1f}" '
                f'data-value="{v}"><title>{escape(s.label)}, {escape(x_labels[j])}: '
                f"{escape(fmt(v))}</title></rect>"
            )
        parts.append(
            f'<g class="series" data-series="{i}" fill="url(#{chart_id}-p{i})" '
            f'stroke="{INK}" stroke-width="0.75">{"".join(bars)}</g>'
        )
    legend, height = _legend(
        series, frame.bottom + AXIS_GAP + FONT + 14, chart_id=chart_id, kind="bar"
    )
    return _svg(chart_id, title, summary, height, defs, [*parts, legend])


def hbar_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    y_labels: Sequence[str],
    series: Sequence[Series],
    locale: str,
) -> Markup:
    """Horizontal stacked bars, one row per category: for long names (languages)."""
    fmt = number_format(locale)
    n = len(y_labels)
    top = max((sum(s.values[j] or 0 for s in series) for j in range(n)), default=0)
    ticks = nice_ticks(top, whole=True)
    shown = [_shorten(label, MAX_LABEL) for label in y_labels]
    left = max((len(label) for label in shown), default=0) * CHAR + 10
    row = 26
    bottom = TOP + max(n, 1) * row
    right = WIDTH - 8 - len(fmt(ticks[-1])) * CHAR / 2

    def x(value: float) -> float:
        return left + value / ticks[-1] * (right - left)

    parts = []
    for t in ticks:
        parts.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP:.1f}" y2="{bottom:.1f}" '
            f'stroke="{GRID if t else INK}"/>'
            f'<text x="{x(t):.1f}" y="{bottom + AXIS_GAP + FONT:.1f}" text-anchor="middle" '
            f'class="tick">{escape(fmt(t))}</text>'
        )
    for j, label in enumerate(shown):
        parts.append(
            f'<text x="{left - 6:.1f}" y="{TOP + (j + 0.5) * row + FONT * 0.35:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
    base = [0.0] * n
    for i, s in enumerate(series):
        bars = []
        for j, v in enumerate(s.values[:n]):
            if not v:
                continue
            x0, x1 = x(base[j]), x(base[j] + v)
            base[j] += v
            bars.append(
                f'<rect x="{x0:.1f}" y="{TOP + j * row + 4:.1f}" width="{x1 - x0:.1f}" '
                f'height="{row - 8}" data-value="{v}"><title>{escape(s.label)}, '
                f"{escape(y_labels[j])}: {escape(fmt(v))}</title></rect>"
            )
        parts.append(
            f'<g class="series" data-series="{i}" fill="url(#{chart_id}-p{i})" '
            f'stroke="{INK}" stroke-width="0.75">{"".join(bars)}</g>'
        )
    axis = f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{TOP}" y2="{bottom:.1f}" stroke="{INK}"/>'
    legend, height = _legend(series, bottom + AXIS_GAP + FONT + 14, chart_id=chart_id, kind="bar")
    defs = [_pattern(chart_id, i) for i in range(len(series))]
    return _svg(chart_id, title, summary, height, defs, [*parts, axis, legend])


MAX_LABEL = 22


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _frame(top: float, fmt: Callable[[float], str], *, percent: bool) -> tuple[Frame, list[float]]:
    # Rates keep one scale, 0 to 100%, so that two charts of rates compare at a glance.
    ticks = nice_ticks(1.0 if percent and top <= 1 else top, whole=not percent)
    widest = max(len(fmt(t)) for t in ticks)
    left = widest * CHAR + 10
    frame = Frame(left=left, right=WIDTH - 8, top=TOP, bottom=TOP + PLOT_HEIGHT, y_max=ticks[-1])
    return frame, ticks


def _grid(frame: Frame, ticks: Sequence[float], fmt: Callable[[float], str]) -> str:
    out = []
    for t in ticks:
        y = frame.y(t)
        out.append(
            f'<line x1="{frame.left:.1f}" x2="{frame.right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID if t else INK}"/>'
            f'<text x="{frame.left - 5:.1f}" y="{y + FONT * 0.35:.1f}" text-anchor="end" '
            f'class="tick">{escape(fmt(t))}</text>'
        )
    axis = (
        f'<line x1="{frame.left:.1f}" x2="{frame.left:.1f}" y1="{frame.top:.1f}" '
        f'y2="{frame.bottom:.1f}" stroke="{INK}"/>'
    )
    return f'<g class="y-axis">{"".join(out)}{axis}</g>'


def label_step(labels: Sequence[str], width: float) -> int:
    """Show every n-th category label so that the shown ones do not overlap."""
    if not labels:
        return 1
    need = max(len(label) for label in labels) * CHAR + 10
    per_label = width / len(labels)
    return max(1, math.ceil(need / per_label))


def _x_axis(frame: Frame, labels: Sequence[str]) -> str:
    n = len(labels)
    step = label_step(labels, frame.right - frame.left)
    out = []
    for j, label in enumerate(labels):
        x = frame.x(j, n)
        named = (n - 1 - j) % step == 0  # counted from the end: the last day is always named
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.bottom:.1f}" '
            f'y2="{frame.bottom + (AXIS_GAP if named else 3):.1f}" stroke="{INK}"/>'
        )
        if named:
            out.append(
                f'<text x="{x:.1f}" y="{frame.bottom + AXIS_GAP + FONT:.1f}" '
                f'text-anchor="middle" class="tick">{escape(label)}</text>'
            )
    return f'<g class="x-axis">{"".join(out)}</g>'


def _pattern(chart_id: str, i: int) -> str:
    colour, marks = PALETTE[i % len(PALETTE)], PATTERNS[(i // len(PALETTE) + i) % len(PATTERNS)]
    lines = f'<path d="{marks}" stroke="#fff" stroke-width="1.6"/>' if marks else ""
    return (
        f'<pattern id="{chart_id}-p{i}" patternUnits="userSpaceOnUse" width="8" height="8">'
        f'<rect width="8" height="8" fill="{colour}"/>{lines}</pattern>'
    )


def _legend(series: Sequence[Series], top: float, *, chart_id: str, kind: str) -> tuple[str, float]:
    """The legend below the plot, wrapped into rows; and the chart's full height."""
    x, row, items = 8.0, 0, []
    for i, s in enumerate(series):
        item_width = 30 + len(s.label) * CHAR + 14
        if x + item_width > WIDTH and x > 8:
            x, row = 8.0, row + 1
        y = top + row * LEGEND_ROW
        if kind == "line":
            dash = DASHES[(i // len(MARKERS) + i) % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            swatch = (
                f'<line x1="{x:.1f}" x2="{x + 24:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="2.5"{dash_attr}/>'
                f'<use href="#{chart_id}-m{i}" x="{x + 12:.1f}" y="{y:.1f}" '
                f'fill="{PALETTE[i % len(PALETTE)]}" stroke="{INK}"/>'
            )
        else:
            swatch = (
                f'<rect x="{x + 2:.1f}" y="{y - 8:.1f}" width="18" height="16" '
                f'fill="url(#{chart_id}-p{i})" stroke="{INK}" stroke-width="0.75"/>'
            )
        items.append(
            f'{swatch}<text x="{x + 30:.1f}" y="{y + FONT * 0.35:.1f}">{escape(s.label)}</text>'
        )
        x += item_width
    rows = row + 1 if series else 0
    return f'<g class="legend">{"".join(items)}</g>', top + rows * LEGEND_ROW


def _svg(
    chart_id: str, title: str, summary: str, height: float, defs: list[str], parts: list[str]
) -> Markup:
    # Every text put in the markup above went through html.escape; numbers are formatted.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {math.ceil(height)}" '
        f'class="chart-svg" role="img" aria-label="{escape(summary)}" id="{chart_id}" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}" fill="{INK}">'
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>"
        f"<defs>{''.join(defs)}</defs>{''.join(parts)}</svg>"
    )
