"""A figure as a reader sees it (chart and table in their language) and as a CSV file.

Pure: a :class:`~puerta.dashboards.metrics.Panel` and a language in, text out. The
table and the CSV walk the same rows; the CSV keeps the values machine-readable (ISO
dates, rates as fractions, an empty cell for "none") under the columns' stable keys.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from markupsafe import Markup

from puerta.dashboards import charts
from puerta.dashboards.metrics import Column, Panel
from puerta.i18n import M
from puerta.i18n.message import Message
from puerta.i18n.translate import DEFAULT_TZ, render, term

NONE = M("staff.dashboards.none", "None")
NOT_YET = M("staff.dashboards.not_yet", "Not yet")

#: The kinds of finding as an analyst reads them (``puerta.findings.value.KINDS``).
KIND_NAMES = {
    m.code.rsplit(".", 1)[1]: m
    for m in (
        M("staff.dashboards.kind.address_cluster", "Shared address"),
        M("staff.dashboards.kind.known_address", "Listed address"),
        M("staff.dashboards.kind.duplicate_person", "Same person"),
        M("staff.dashboards.kind.possible_duplicate_person", "Possibly the same person"),
        M("staff.dashboards.kind.registration_burst", "Burst of registrations"),
        M("staff.dashboards.kind.shared_contact_ring", "Shared contacts"),
        M("staff.dashboards.kind.shared_service_contact", "Service contact"),
        M("staff.dashboards.kind.impossible_travel", "Impossible travel"),
        M("staff.dashboards.kind.shared_coordinates", "Shared coordinates"),
        M("staff.dashboards.kind.implausible_location", "Implausible location"),
        M("staff.dashboards.kind.device_jump", "Device jump"),
        M("staff.dashboards.kind.same_face", "Same face"),
    )
}


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False


@dataclass(frozen=True)
class PanelView:
    name: str
    title: str
    summary: str
    note: str | None
    svg: Markup
    headers: list[Cell]
    rows: list[list[Cell]]


class Reader:
    """Formats for one reader: the page's language and time zone."""

    def __init__(self, locale: str, tz: str = DEFAULT_TZ) -> None:
        self.locale, self.tz = locale, tz

    def text(self, value: Message | StrEnum | str) -> str:
        if isinstance(value, Message):
            return render(value, locale=self.locale, tz=self.tz)
        if isinstance(value, StrEnum):
            return term(value, self.locale)
        return value

    def day(self, value: date, *, short: bool = False) -> str:
        if short:
            return babel_dates.format_skeleton("MMMd", value, locale=self.locale)
        return babel_dates.format_date(value, "medium", locale=self.locale)

    def language(self, tag: str | None) -> str:
        """A language tag's name in the reader's language, with the tag ("Spanish (es)")."""
        if tag is None:
            return self.text(NONE)
        try:
            name = Locale.parse(tag.replace("-", "_")).get_display_name(self.locale)
        except (ValueError, UnknownLocaleError):
            name = None
        return f"{name} ({tag})" if name else tag

    def cell(self, column: Column, value: Any) -> Cell:
        if column.kind == "date":
            return Cell(self.day(value))
        if column.kind == "language":
            return Cell(self.language(value))
        if column.kind == "finding_kind":
            message = KIND_NAMES.get(value)
            return Cell(self.text(message) if message else str(value))
        if column.kind in ("port", "text"):
            return Cell(str(value))
        if value is None:
            return Cell(self.text(NOT_YET if column.kind == "count" else NONE), numeric=True)
        formats = charts.number_format(self.locale, percent=column.kind == "rate")
        return Cell(formats(value), numeric=True)


def view(panel: Panel, reader: Reader) -> PanelView:
    """The panel's chart and table in the reader's language."""
    title, summary = (
        reader.text(panel.title),
        render(panel.summary, panel.summary_params, locale=reader.locale, tz=reader.tz),
    )
    return PanelView(
        name=panel.name,
        title=title,
        summary=summary,
        note=reader.text(panel.note) if panel.note else None,
        svg=chart(panel, reader, title=title, summary=summary),
        headers=[
            Cell(reader.text(c.label), numeric=c.kind in ("count", "rate")) for c in panel.columns
        ],
        rows=[
            [reader.cell(c, v) for c, v in zip(panel.columns, row, strict=True)]
            for row in panel.rows
        ],
    )


def chart(panel: Panel, reader: Reader, *, title: str, summary: str) -> Markup:
    plot = panel.plot
    series = [charts.Series(reader.text(label), values) for label, values in plot.series]
    chart_id = f"chart-{panel.name.replace('_', '-')}"
    if plot.kind == "hbar":
        return charts.hbar_chart(
            chart_id=chart_id,
            title=title,
            summary=summary,
            y_labels=[reader.language(tag) for tag in plot.x],
            series=series,
            locale=reader.locale,
        )
    labels = [reader.day(x, short=True) if isinstance(x, date) else str(x) for x in plot.x]
    draw = charts.line_chart if plot.kind == "line" else charts.bar_chart
    return draw(
        chart_id=chart_id,
        title=title,
        summary=summary,
        x_labels=labels,
        series=series,
        locale=reader.locale,
        percent=plot.percent,
    )


def csv_value(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if column.kind == "rate":
        return f"{value:.4f}"
    return str(value)


def to_csv(panel: Panel) -> str:
    """The panel's table as CSV: a header row of the columns' keys, then every row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.key for c in panel.columns])
    for row in panel.rows:
        writer.writerow([csv_value(c, v) for c, v in zip(panel.columns, row, strict=True)])
    return out.getvalue()
