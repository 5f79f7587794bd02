"""A timeline: how many registrations (or accounts) had arrived by each moment.

A burst is registrations seconds apart; an address cluster's are weeks apart. Both
read best as a cumulative step line (one step per registration) with a dot at each,
over an axis of seconds since the first: steep is fast. The caller says how a tick
reads (``tick_label``: "90 s", or a date), so the drawing stays language-free.

Example:
    >>> svg = timeline([0, 2, 3, 9], label="Registrations", tick_label=lambda s: f"{s:g} s")
    >>> svg.count("<circle")
    4
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from puerta.findings.drawing.svg import document, element, num

WIDTH, HEIGHT = 640.0, 260.0
LEFT, RIGHT, TOP, BOTTOM = 48.0, 24.0, 16.0, 40.0
STEPS = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 182 * 86400, 364 * 86400,
)  # fmt: skip
"""Tick spacings in seconds: round seconds, minutes, hours, days, weeks, quarters."""
MAX_TICKS = 6


def nice_step(span: float, *, most: int = MAX_TICKS, steps: Sequence[float] = STEPS) -> float:
    """The smallest spacing that puts at most ``most`` intervals on ``span``.

    Example:
        >>> nice_step(40), nice_step(400), nice_step(3 * 86400)
        (10, 120, 43200)
    """
    for step in steps:
        if span / step <= most:
            return step
    return steps[-1] * (span // (steps[-1] * most) + 1)


def count_step(most: int) -> int:
    """Integer steps for a count axis: 1, 2, 5, 10, 20, 50, ...

    Example:
        >>> count_step(4), count_step(12), count_step(230)
        (1, 5, 50)
    """
    scale = 1
    while True:
        for step in (scale, 2 * scale, 5 * scale):
            if most / step <= 5:
                return step
        scale *= 10


def timeline(
    offsets: Sequence[float],
    *,
    label: str,
    tick_label: Callable[[float], str],
    count_label: Callable[[int], str] = str,
    description: str | None = None,
) -> str:
    """The SVG timeline of ``offsets`` (seconds since the first; any order)."""
    points = sorted(max(0.0, float(o)) for o in offsets)
    span = max(points[-1] if points else 0.0, 1.0)
    n = len(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(seconds: float) -> float:
        return LEFT + plot_w * seconds / span

    def y(count: float) -> float:
        return TOP + plot_h * (1 - count / max(n, 1))

    children = [
        element("rect", {"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT, "fill": "#ffffff"})
    ]
    ticks = []
    step = nice_step(span)
    at = 0.0
    while at <= span + 1e-9:
        ticks.append(at)
        at += step
    for t in ticks:
        children.append(
            element(
                "line", {"x1": x(t), "y1": TOP, "x2": x(t), "y2": TOP + plot_h, "stroke": "#dfe1e2"}
            )
        )
        anchor = "end" if x(t) > WIDTH - 40 else "middle"
        children.append(_text(tick_label(t), x(t), HEIGHT - BOTTOM + 18, anchor))
    cstep = count_step(n)
    for c in range(0, n + 1, cstep):
        children.append(
            element(
                "line",
                {"x1": LEFT, "y1": y(c), "x2": WIDTH - RIGHT, "y2": y(c), "stroke": "#dfe1e2"},
            )
        )
        children.append(_text(count_label(c), LEFT - 6, y(c) + 4, "end"))
    children.append(
        element(
            "path",
            {
                "d": f"M{LEFT} {TOP}V{TOP + plot_h}H{WIDTH - RIGHT}",
                "fill": "none",
                "stroke": "#565c65",
            },
        )
    )
    if points:
        d = [f"M{num(x(0))} {num(y(0))}"]
        for i, p in enumerate(points, start=1):
            d.append(f"H{num(x(p))}V{num(y(i))}")
        d.append(f"H{num(x(span))}")
        children.append(
            element(
                "path", {"d": "".join(d), "fill": "none", "stroke": "#1a4480", "stroke-width": 2}
            )
        )
        for i, p in enumerate(points, start=1):
            children.append(
                element(
                    "circle",
                    {"cx": x(p), "cy": y(i), "r": 3.5, "fill": "#1a4480", "class": "event"},
                )
            )
    return document(
        WIDTH, HEIGHT, label=label, description=description, children=children, css_class="timeline"
    )


def _text(text: str, x: float, y: float, anchor: str) -> str:
    return element(
        "text",
        {
            "x": x,
            "y": y,
            "font-size": 12,
            "font-family": "system-ui, sans-serif",
            "text-anchor": anchor,
            "fill": "#1b1b1b",
        },
        text=text,
    )
