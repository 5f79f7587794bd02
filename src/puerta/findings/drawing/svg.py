"""A very small SVG writer: elements as strings, numbers written the same way every time.

Example:
    >>> element("circle", {"cx": 1.25, "cy": 2, "r": 3.0})
    '<circle cx="1.2" cy="2" r="3"/>'
    >>> element("text", {"x": 0}, text="a < b")
    '<text x="0">a &lt; b</text>'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

Attrs = Mapping[str, str | float | int | None]

NS = "http://www.w3.org/2000/svg"


def num(value: float) -> str:
    """A coordinate to one decimal, without a trailing ``.0`` (deterministic, short)."""
    text = f"{round(float(value), 1):.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _value(value: str | float | int) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return num(value)
    return escape(str(value), quote=True)


def attrs(values: Attrs) -> str:
    return "".join(f' {k}="{_value(v)}"' for k, v in values.items() if v is not None)


def element(
    tag: str, values: Attrs | None = None, children: Iterable[str] = (), *, text: str | None = None
) -> str:
    """One element; ``text`` is escaped, ``children`` are elements already written."""
    inner = (escape(text, quote=False) if text is not None else "") + "".join(children)
    head = f"<{tag}{attrs(values or {})}"
    return f"{head}>{inner}</{tag}>" if inner else f"{head}/>"


def path_data(rings: Iterable[Iterable[tuple[float, float]]]) -> str:
    """``M x y L ... Z`` for each ring (one path can hold a state's islands and holes)."""
    parts = []
    for ring in rings:
        points = [f"{num(x)} {num(y)}" for x, y in ring]
        if len(points) >= 2:
            parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


def document(
    width: float,
    height: float,
    *,
    label: str,
    children: Iterable[str],
    css_class: str,
    description: str | None = None,
) -> str:
    """The ``<svg>`` root: ``role="img"``, ``aria-label`` and ``<title>`` (and ``<desc>``).

    The drawing scales to its container (``viewBox``, no fixed size) and keeps
    its proportions.
    """
    head = [element("title", text=label)]
    if description:
        head.append(element("desc", text=description))
    return element(
        "svg",
        {
            "xmlns": NS,
            "viewBox": f"0 0 {num(width)} {num(height)}",
            "role": "img",
            "aria-label": label,
            "class": css_class,
            "preserveAspectRatio": "xMidYMid meet",
        },
        [*head, *children],
    )
