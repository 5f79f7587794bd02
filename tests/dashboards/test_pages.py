"""The dashboards' pages: who may read them, what they show, the CSV, bad filters, audit."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from babel.dates import format_date
from sqlalchemy import select

from puerta.accounts.models import Role
from puerta.audit.models import AuditEvent
from puerta.config import Settings
from puerta.dashboards.metrics import NAMES
from puerta.dashboards.render import KIND_NAMES
from tests.api_support import HTML, Api
from tests.dashboards.world import build

WEEK = {"from": "2026-03-01", "to": "2026-03-07"}


class _Tables(HTMLParser):
    """Each ``<section id=…>``'s table body rows, as the cells' text; the heads apart."""

    def __init__(self) -> None:
        super().__init__()
        self.section: str | None = None
        self.tables: dict[str, list[list[str]]] = {}
        self.heads: dict[str, list[str]] = {}
        self._cell: list[str] | None = None
        self._in_body = self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.section = dict(attrs).get("id")
            self.tables[self.section or ""] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "thead" and self.section:
            self._in_head = True
            self.heads[self.section] = []
        elif tag == "tr" and self._in_body and self.section:
            self.tables[self.section].append([])
        elif tag in ("td", "th") and (self._in_body or self._in_head):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self.section:
            text = "".join(self._cell).strip()
            if self._in_head:
                self.heads[self.section].append(text)
            else:
                self.tables[self.section][-1].append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _rows(html: str, section: str) -> list[dict[str, str]]:
    parser = _Tables()
    parser.feed(html)
    return [dict(zip(parser.heads[section], r, strict=True)) for r in parser.tables[section]]


# The audit row of a read is committed on its own connection, which a test's one
# rolled-back connection cannot show: these tests use the real store (emptied).
@pytest.mark.committing
def test_an_officer_is_refused_and_an_analyst_reads_every_figure(
    api: Api, settings: Settings
) -> None:
    api.staff_pages("officer@sys.example", Role.OFFICER, "SYS")
    refused = api.client.get("/staff/dashboards", headers=HTML)
    assert refused.status_code == 403
    assert "<svg" not in refused.text
    assert api.client.get("/staff/dashboards/requests.csv").status_code == 403
    api.client.cookies.clear()

    build(api.db, settings)
    api.staff_pages("analyst@hq.example", Role.ANALYST)
    shown = api.client.get("/staff/dashboards", params=WEEK, headers=HTML)
    assert shown.status_code == 200, shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert shown.text.count('role="img"') == 7
    tables = _tables(shown.text)
    assert set(tables) >= {"registrations", "requests", "pool", "rates", "no_shows", "findings"}
    # The 4th: 1 request at CXL, 2 at SYS, 3 in all.
    fourth = next(r for r in _rows(shown.text, "requests") if r["Day"] == "Mar 4, 2026")
    assert (fourth["CXL"], fourth["SYS"], fourth["NOG"], fourth["Total"]) == ("1", "2", "0", "3")
    assert ["Mar 4, 2026", "CXL", "1", "1", "2"] in tables["pool"]
    assert tables["languages"][0] == ["Quechua (qu)", "3", "None"]
    with api.db.read_only() as s:
        events = s.execute(
            select(
                AuditEvent.actor_email,
                AuditEvent.subject_kind,
                AuditEvent.subject_id,
                AuditEvent.detail,
            ).where(AuditEvent.action == "dashboard.read")
        ).all()
    assert [tuple(e) for e in events] == [
        ("analyst@hq.example", "dashboard", "all", {"from": "2026-03-01", "to": "2026-03-07"})
    ]


def test_an_admin_reads_them_too(api: Api) -> None:
    api.staff_pages("admin@hq.example", Role.ADMIN)
    assert api.client.get("/staff/dashboards", headers=HTML).status_code == 200


def test_signed_out_goes_to_the_staff_sign_in(api: Api) -> None:
    went = api.client.get("/staff/dashboards?port=SYS", headers=HTML, follow_redirects=False)
    assert went.status_code == 303
    assert went.headers["location"].startswith("/staff/sign-in?next=%2Fstaff%2Fdashboards")


@pytest.mark.committing  # the audit rows (see above)
def test_each_csv_is_its_table(api: Api, settings: Settings) -> None:
    build(api.db, settings)
    api.staff_pages("analyst@hq.example", Role.ANALYST)
    tables = _tables(api.client.get("/staff/dashboards", params=WEEK, headers=HTML).text)
    for chart in NAMES:
        got = api.client.get(f"/staff/dashboards/{chart}.csv", params=WEEK)
        assert got.status_code == 200
        assert got.headers["content-type"] == "text/csv; charset=utf-8"
        assert got.headers["content-disposition"] == (
            f'attachment; filename="puerta-{chart}-2026-03-01-2026-03-07.csv"'
        )
        assert got.headers["cache-control"] == "no-store"
        rows = list(csv.reader(io.StringIO(got.text)))
        assert rows[0][0] in ("date", "week", "language")
        body, table = rows[1:], tables[chart]
        assert body, chart
        assert len(body) == len(table), chart
        for written, shown in zip(body, table, strict=True):
            assert len(written) == len(shown)
            for value, text in zip(written, shown, strict=True):
                assert _shows(value, text), (chart, value, text)
    with api.db.read_only() as s:
        details = s.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "dashboard.read", AuditEvent.subject_id != "all")
            .order_by(AuditEvent.id)
        ).all()
    assert details == [{"from": "2026-03-01", "to": "2026-03-07", "chart": c} for c in NAMES]


def _shows(value: str, text: str) -> bool:
    """Whether a table cell shows the CSV's value (in English)."""
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return text == format_date(date.fromisoformat(value), "medium", locale="en")
    if re.fullmatch(r"\d+\.\d{4}", value):  # a rate: the table shows a percentage
        return text == f"{round(float(value) * 100, 1):g}%"
    if value.isdigit():
        return text == f"{int(value):,}"
    if value == "":
        return text in ("None", "Not yet")
    if value in KIND_NAMES:
        return text == KIND_NAMES[value].text
    return f"({value})" in text or value == text  # a port, a language tag


def test_one_port_names_the_file(api: Api, settings: Settings) -> None:
    build(api.db, settings)
    api.staff_pages("analyst@hq.example", Role.ANALYST)
    got = api.client.get("/staff/dashboards/requests.csv", params={**WEEK, "port": "cxl"})
    assert got.headers["content-disposition"].endswith('-2026-03-07-CXL.csv"')
    assert got.text.splitlines()[0] == "date,CXL"  # one port: no total
    assert "2026-03-04,1" in got.text.splitlines()


BAD = [
    ({"from": "yesterday"}, "from", "Enter a date as YYYY-MM-DD."),
    ({"to": "2026-02-31"}, "to", "Enter a date as YYYY-MM-DD."),
    ({"from": "2026-03-07", "to": "2026-03-01"}, "from", "is after the end"),
    ({"from": "2024-01-01", "to": "2026-03-01"}, "from", "at most 366 days"),
    ({"port": "ZZZ"}, "port", "is not a port"),
    ({"port": "<b>x</b>"}, "port", "is not a port"),
    ({"from": "9" * 5000}, "from", "Enter a date as YYYY-MM-DD."),
]


def test_a_bad_filter_is_the_page_again_with_the_error_summary(api: Api) -> None:
    api.staff_pages("analyst@hq.example", Role.ANALYST)
    for query, field, says in BAD:
        for url in ("/staff/dashboards", "/staff/dashboards/requests.csv"):
            got = api.client.get(url, params=query, headers=HTML)
            assert got.status_code == 400, (query, got.text)
            assert 'class="error-summary"' in got.text
            assert f'href="#{field}"' in got.text
            assert says in got.text
            assert "<b>x</b>" not in got.text
            assert 'role="img"' not in got.text


def test_a_chart_that_does_not_exist_is_not_found(api: Api) -> None:
    api.staff_pages("analyst@hq.example", Role.ANALYST)
    assert api.client.get("/staff/dashboards/secrets.csv", headers=HTML).status_code == 404


def test_the_page_in_spanish_formats_its_numbers(api: Api, settings: Settings) -> None:
    build(api.db, settings)
    api.staff_pages("analyst@hq.example", Role.ANALYST)
    api.client.cookies.set("puerta_lang", "es")
    shown = api.client.get("/staff/dashboards", params=WEEK, headers=HTML)
    assert shown.headers["content-language"] == "es"
    tables = _tables(shown.text)
    assert ["4 mar 2026", "3", "2", "66,7\xa0%", "2", "1", "0", "50\xa0%"] in tables["rates"]
