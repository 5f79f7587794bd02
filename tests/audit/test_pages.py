"""The audit trail's page: admins only, filters, paging, the CSV of the search, and each
search recorded."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from puerta.accounts.models import Role
from puerta.audit import service as audit_service
from puerta.audit.models import AuditEvent
from puerta.clock import FrozenClock
from tests.api_support import HTML, Api

ROW = re.compile(r"<tr>\s*<td>")


def _rows(html: str) -> int:
    return len(ROW.findall(html))


def _trail(api: Api, n: int = 3) -> None:
    """``n`` reads of arrivals by an officer of SYS, one a day back from today, and one
    photo view at ELP by an analyst."""
    actor = type("Actor", (), {"id": None, "email": "o@sys.example", "role": "officer"})()
    analyst = type("Actor", (), {"id": None, "email": "a@hq.example", "role": "analyst"})()
    with api.db.session() as s:
        for i in range(n):
            when = FrozenClock(api.clock.now() - timedelta(days=i))
            audit_service.record(
                s,
                actor=actor,
                action="arrival.read",
                subject_kind="appointment",
                subject_id=f"CODE{i}",
                port_code="SYS",
                ip="10.0.0.1",
                clock=when,
            )
        audit_service.record(
            s,
            actor=analyst,
            action="photo.view",
            subject_kind="traveler",
            subject_id="R-1:0",
            port_code="ELP",
            clock=api.clock,
        )


def test_only_admins_read_the_audit_trail(api: Api) -> None:
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    for path in ("/staff/admin/audit", "/staff/admin/audit.csv"):
        assert api.client.get(path, headers=HTML).status_code == 403
    api.client.cookies.clear()
    api.staff_pages("a@hq.example", Role.ANALYST)
    assert api.client.get("/staff/admin/audit", headers=HTML).status_code == 403
    api.client.cookies.clear()
    api.staff_pages("root@hq.example", Role.ADMIN)
    assert api.client.get("/staff/admin/audit", headers=HTML).status_code == 200


def test_the_filters_narrow_the_rows_and_each_search_is_recorded(api: Api) -> None:
    _trail(api)
    api.staff_pages("root@hq.example", Role.ADMIN)
    everything = api.client.get("/staff/admin/audit?action=arrival.read", headers=HTML)
    assert everything.status_code == 200
    assert _rows(everything.text) == 3
    assert "CODE0" in everything.text
    assert "Download this search as CSV" in everything.text
    by_actor = api.client.get("/staff/admin/audit?actor_email=A@HQ.example", headers=HTML)
    assert _rows(by_actor.text) == 1
    assert "R-1:0" in by_actor.text
    by_port = api.client.get("/staff/admin/audit?port_code=elp", headers=HTML)
    assert _rows(by_port.text) == 1
    by_subject = api.client.get(
        "/staff/admin/audit?subject_kind=appointment&subject_id=CODE1", headers=HTML
    )
    assert _rows(by_subject.text) == 1
    day = (api.clock.now() - timedelta(days=1)).date().isoformat()
    one_day = api.client.get(
        f"/staff/admin/audit?action=arrival.read&since={day}&until={day}", headers=HTML
    )
    assert _rows(one_day.text) == 1
    assert "CODE1" in one_day.text
    with api.db.read_only() as s:
        searches = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.search").order_by(AuditEvent.id)
        ).all()
        assert len(searches) == 5
        assert searches[0].actor_email == "root@hq.example"
        assert searches[0].detail["action"] == "arrival.read"


def test_a_bad_date_shows_the_form_again(api: Api) -> None:
    api.staff_pages("root@hq.example", Role.ADMIN)
    bad = api.client.get("/staff/admin/audit?since=yesterday", headers=HTML)
    assert bad.status_code == 400
    assert 'class="error-summary"' in bad.text
    assert 'href="#since"' in bad.text
    assert 'value="yesterday"' in bad.text


def test_fifty_rows_a_page(api: Api) -> None:
    _trail(api, n=60)
    api.staff_pages("root@hq.example", Role.ADMIN)
    first = api.client.get("/staff/admin/audit?action=arrival.read", headers=HTML)
    assert _rows(first.text) == 50
    assert "Page 1 of 2" in first.text
    older = re.search(r'href="/staff/admin/audit(\?[^"]+)" rel="next"', first.text)
    assert older is not None
    second = api.client.get(
        "/staff/admin/audit" + older.group(1).replace("&amp;", "&"), headers=HTML
    )
    assert _rows(second.text) == 10
    assert "Page 2 of 2" in second.text
    assert 'rel="next"' not in second.text
    assert 'rel="prev"' in second.text


def test_the_csv_is_the_current_search(api: Api) -> None:
    _trail(api)
    api.staff_pages("root@hq.example", Role.ADMIN)
    page = api.client.get("/staff/admin/audit?port_code=SYS", headers=HTML)
    link = re.search(r'href="(/staff/admin/audit\.csv[^"]*)"', page.text)
    assert link is not None
    got = api.client.get(link.group(1).replace("&amp;", "&"), headers=HTML)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [r["subject_id"] for r in rows] == ["CODE0", "CODE1", "CODE2"]  # in the order written
    assert {r["port_code"] for r in rows} == {"SYS"}
    with api.db.read_only() as s:
        last = s.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert last is not None
        assert last.action == "audit.search"
        assert last.detail == {"port_code": "SYS", "csv": True}
