"""A figure as a reader sees it and as a CSV file: the same rows, in two forms."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date
from zoneinfo import ZoneInfo

from puerta.dashboards import metrics, render
from puerta.dashboards.metrics import Filters

F = Filters(date(2026, 3, 1), date(2026, 3, 3))
NY = ZoneInfo("America/New_York")


def _rates() -> metrics.Panel:
    requests = [
        (date(2026, 3, 2), "SYS", "selected", 1, 2),
        (date(2026, 3, 2), "SYS", "not_selected", 2, 2),
    ]
    selections = [(date(2026, 3, 2), "SYS", "confirmed", 1)]
    return metrics.rates_panel(requests, selections, F)


def test_the_csv_is_the_table_with_stable_keys_and_iso_dates() -> None:
    panel = _rates()
    rows = list(csv.reader(io.StringIO(render.to_csv(panel))))
    assert rows[0] == [c.key for c in panel.columns]
    assert rows[1] == ["2026-03-01", "0", "0", "", "0", "0", "0", ""]
    assert rows[2] == ["2026-03-02", "3", "1", "0.3333", "1", "1", "0", "1.0000"]
    assert len(rows) == 1 + len(panel.rows)


def test_the_table_in_spanish() -> None:
    view = render.view(_rates(), render.Reader("es"))
    assert view.rows[1][0].text == "2 mar 2026"
    assert view.rows[1][3].text == "33,3\xa0%"
    assert view.rows[1][3].numeric
    assert view.rows[0][3].text == render.Reader("es").text(render.NONE)  # no rate that day
    assert view.headers[2].text == "seleccionada"  # a lifecycle state, from the catalog
    root = ET.fromstring(str(view.svg))  # noqa: S314 (our own output)
    assert root.attrib["aria-label"] == view.summary


def test_languages_are_named_in_the_readers_language() -> None:
    panel = metrics.languages_panel([("es-MX", 3), ("qu", 1)], ("en", "es"), F)
    view = render.view(panel, render.Reader("en"))
    assert [[c.text for c in r] for r in view.rows] == [
        ["Spanish (Mexico) (es-MX)", "3", "Spanish (es)"],
        ["Quechua (qu)", "1", "None"],
    ]
    assert "75% of the 4 travelers" in view.summary


def test_findings_kinds_have_names() -> None:
    panel = metrics.findings_panel([("2026-03-02 15", "address_cluster", "new", 2)], F, NY)
    view = render.view(panel, render.Reader("en"))
    assert view.rows[0][1].text == "Shared address"
    assert view.rows[0][0].text == "Mar 2, 2026"  # the Monday of the week
