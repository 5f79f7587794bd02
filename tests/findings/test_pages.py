"""The workbench pages: who may read them, the queue's filters and pages, a finding's
detail, its review and the appeals queue, over HTTP as a browser asks for them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event, select

from puerta.accounts.models import Role
from puerta.audit.models import AuditEvent
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.findings.models import Finding as FindingRow
from puerta.findings.models import FindingEvent
from tests.api_support import HTML, Api
from tests.findings.workbench_world import (
    Person,
    add_registration,
    ask_at,
    book_at,
    burst,
    cluster,
    duplicate,
    ring_of,
    store,
)

PAGES = (
    "/staff/findings",
    "/staff/findings/{id}",
    "/staff/appeals",
    "/staff/findings/{id}/review?action=reopen",
)


def a_cluster(api: Api, *, score: float = 5.0) -> tuple[int, str, str]:
    """An address cluster of two registrations, one booked at HID: (id, rid, code)."""
    with api.db.session() as s:
        booked = add_registration(s, Person(given="Luis", family="Díaz"))
        other = add_registration(s)
        code = book_at(s, booked, "HID")
        ask_at(s, other, "SYS")
        store(s, [cluster([booked, other], score=score)], api.clock)
        return s.scalars(select(FindingRow.id)).one(), booked, code


def rows_of(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/staff/findings/(\d+)">', html)


def test_officers_are_refused_and_analysts_admitted(api: Api) -> None:
    fid, _, _ = a_cluster(api)
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    for path in PAGES:
        got = api.client.get(path.format(id=fid), headers=HTML)
        assert got.status_code == 403, path
        assert "Luis" not in got.text
    # An officer is refused alike whether the finding exists or not.
    assert api.client.get("/staff/findings/999999", headers=HTML).status_code == 403
    api.client.cookies.clear()
    api.staff_pages("a@hq.example", Role.ANALYST)
    for path in PAGES:
        assert api.client.get(path.format(id=fid), headers=HTML).status_code == 200, path
    assert api.client.get("/staff/findings/999999", headers=HTML).status_code == 404
    api.client.cookies.clear()
    went = api.client.get(f"/staff/findings/{fid}", headers=HTML, follow_redirects=False)
    assert went.status_code == 303
    assert went.headers["location"].startswith("/staff/sign-in?next=")


def test_the_queue_filters_and_says_what_is_wrong_with_a_filter(api: Api) -> None:
    with api.db.session() as s:
        at_sys, at_hid = add_registration(s), add_registration(s)
        ask_at(s, at_sys, "SYS")
        ask_at(s, at_hid, "HID")
        store(s, [cluster([at_sys], score=7.0), burst([at_hid], score=9.0)], api.clock)
        ids = {f.kind: f.id for f in s.scalars(select(FindingRow))}
    api.staff_pages("a@hq.example", Role.ANALYST)
    everything = api.client.get("/staff/findings", headers=HTML)
    assert rows_of(everything.text) == [str(ids["registration_burst"]), str(ids["address_cluster"])]
    assert "Registration burst" in everything.text
    by_port = api.client.get("/staff/findings", params={"port": "SYS"}, headers=HTML)
    assert rows_of(by_port.text) == [str(ids["address_cluster"])]
    assert '<option value="SYS" selected>' in by_port.text
    by_kind = api.client.get("/staff/findings", params={"kind": "registration_burst"}, headers=HTML)
    assert rows_of(by_kind.text) == [str(ids["registration_burst"])]
    by_score = api.client.get("/staff/findings", params={"min_score": "8"}, headers=HTML)
    assert rows_of(by_score.text) == [str(ids["registration_burst"])]
    none = api.client.get("/staff/findings", params={"status": "confirmed"}, headers=HTML)
    assert rows_of(none.text) == []
    assert "No finding matches these filters." in none.text
    bad = api.client.get(
        "/staff/findings",
        params={"min_score": "high", "seen_from": "tomorrow", "port": "XYZ"},
        headers=HTML,
    )
    assert bad.status_code == 400
    assert 'class="error-summary"' in bad.text
    assert 'href="#min_score"' in bad.text
    assert 'href="#seen_from"' in bad.text
    assert 'href="#port"' in bad.text
    assert 'value="high"' in bad.text  # what was typed, to correct
    assert rows_of(bad.text) == []


def test_the_queue_pages_keep_the_filters(api: Api) -> None:
    with api.db.session() as s:
        rid = add_registration(s)
        store(s, [cluster([rid], score=float(i), name=str(i)) for i in range(120)], api.clock)
    api.staff_pages("a@hq.example", Role.ANALYST)
    first = api.client.get("/staff/findings", params={"kind": "address_cluster"}, headers=HTML)
    assert len(rows_of(first.text)) == 50
    assert "Findings 1 to 50 of 120" in first.text
    nxt = re.search(r'<a rel="next" href="([^"]+)"', first.text)
    assert nxt is not None
    assert 'rel="prev"' not in first.text
    link = nxt.group(1).replace("&amp;", "&")
    assert link == "/staff/findings?kind=address_cluster&page=2"
    last = api.client.get("/staff/findings?kind=address_cluster&page=3", headers=HTML)
    assert len(rows_of(last.text)) == 20
    assert 'rel="next"' not in last.text
    prev = re.search(r'<a rel="prev" href="([^"]+)"', last.text)
    assert prev is not None
    assert prev.group(1).replace("&amp;", "&") == "/staff/findings?kind=address_cluster&page=2"
    seen = set(rows_of(first.text)) | set(rows_of(last.text))
    middle = api.client.get("/staff/findings?kind=address_cluster&page=2", headers=HTML)
    assert len(seen | set(rows_of(middle.text))) == 120


def _data_statements(api: Api) -> tuple[Any, list[str]]:
    target = getattr(api.db, "connection", None) or api.db.engine
    statements: list[str] = []

    def on_statement(*args: Any, **_: Any) -> None:
        text = args[2].lstrip().upper()
        if text.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")) and text != "SELECT 1":
            statements.append(args[2])

    event.listen(target, "before_cursor_execute", on_statement)
    return (target, on_statement), statements


def test_a_page_of_the_queue_costs_the_same_statements_however_many_findings(api: Api) -> None:
    api.staff_pages("a@hq.example", Role.ANALYST)

    def cost() -> int:
        (target, listener), statements = _data_statements(api)
        try:
            got = api.client.get("/staff/findings", params={"port": "SYS"}, headers=HTML)
        finally:
            event.remove(target, "before_cursor_execute", listener)
        assert got.status_code == 200
        assert rows_of(got.text)
        return len(statements)

    def add(n: int) -> None:
        with api.db.session() as s:
            for i in range(n):
                rids = [add_registration(s) for _ in range(3)]
                for rid, port in zip(rids, ("SYS", "HID", "ELP"), strict=True):
                    ask_at(s, rid, port)
                store(s, [cluster(rids, score=float(i), name=rids[0])], api.clock)

    add(2)
    cost()  # warm
    few = cost()
    add(60)
    many = cost()
    assert many == few


@pytest.mark.committing  # the page's audit row commits in a transaction of its own
def test_a_finding_shows_its_explanation_evidence_travelers_and_trail(api: Api) -> None:
    fid, _, code = a_cluster(api)
    api.staff_pages("a@hq.example", Role.ANALYST)
    got = api.client.get(f"/staff/findings/{fid}", headers=HTML)
    assert got.status_code == 200
    text = got.text
    assert "gave 123 Main St, Houston TX 77002 between May 1, 2023 and Jun 30, 2023" in text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text
    assert 'role="img"' in text
    assert "Appointment holders per port" in text  # the map's numbers as a table
    assert "Registrations giving this address over time" in text
    assert f'href="/staff/ports/HID/arrivals/{code}"' in text
    assert "Luis Díaz" in text
    assert "Found by the analysis" in text  # the trail
    with api.db.read_only() as s:
        read = s.scalars(select(AuditEvent).where(AuditEvent.action == "finding.read")).one()
        seen = (read.subject_kind, read.subject_id, read.actor_email)
    assert seen == ("finding", str(fid), "a@hq.example")


@pytest.mark.parametrize("kind", ["burst", "ring", "duplicate"])
def test_each_kind_is_drawn_its_own_way(api: Api, kind: str) -> None:
    with api.db.session() as s:
        a = add_registration(s, Person(given="Ana", phone="+52 664 123 4567"), device="d1")
        b = add_registration(s, Person(given="Anna", phone="+52 664 123 4567"), device="d1")
        made = {
            "burst": burst([a, b]),
            "ring": ring_of([a, b], [{"link": "phone", "value": "+526641234567", "n": 2}]),
            "duplicate": duplicate([a, b]),
        }[kind]
        store(s, [made], api.clock)
        fid = s.scalars(select(FindingRow.id)).one()
    api.staff_pages("a@hq.example", Role.ANALYST)
    text = api.client.get(f"/staff/findings/{fid}", headers=HTML).text
    expected = {
        "burst": "The burst&#39;s registrations, seconds apart",
        "ring": "The ring: registrations and what they share",
        "duplicate": "What each registration wrote",
    }[kind]
    assert expected in text
    assert ("<svg" in text) == (kind != "duplicate")
    if kind == "duplicate":
        assert '<td class="differs"><mark>' in text
        assert "(differs)" in text


def review_form(api: Api, fid: int, action: str) -> str:
    got = api.client.get(f"/staff/findings/{fid}/review?action={action}", headers=HTML)
    assert got.status_code == 200, got.text
    # The review form's own token (the header's sign-out form carries one too).
    form = got.text.split(f'action="/staff/findings/{fid}/review"', 1)[1]
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found
    return found.group(1)


def post_review(api: Api, fid: int, action: str, note: str, token: str) -> Any:
    return api.client.post(
        f"/staff/findings/{fid}/review",
        data={"action": action, "note": note, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )


def test_confirming_needs_a_reason_and_lands_in_the_trail_and_the_audit(api: Api) -> None:
    fid, _, _ = a_cluster(api)
    api.staff_pages("a@hq.example", Role.ANALYST)
    token = review_form(api, fid, "confirm")
    empty = post_review(api, fid, "confirm", "   ", token)
    assert empty.status_code == 400
    assert 'class="error-summary"' in empty.text
    assert 'href="#note"' in empty.text
    assert "a decision needs its reason" in empty.text
    with api.db.read_only() as s:
        assert s.get(FindingRow, fid).status == "new"  # type: ignore[union-attr]
    forged = post_review(api, fid, "confirm", "Checked.", "not-the-token")
    assert forged.status_code == 400
    done = post_review(api, fid, "confirm", "Checked the leases: not families.", token)
    assert done.status_code == 303
    assert done.headers["location"] == f"/staff/findings/{fid}?reviewed=confirm#trail"
    shown = api.client.get(done.headers["location"], headers=HTML).text
    assert "Finding confirmed." in shown
    assert "Checked the leases: not families." in shown
    with api.db.read_only() as s:
        assert s.get(FindingRow, fid).status == "confirmed"  # type: ignore[union-attr]
        review = s.scalars(select(AuditEvent).where(AuditEvent.action == "finding.review")).one()
        assert review.detail == {
            "action": "confirm",
            "from": "new",
            "to": "confirmed",
            "kind": "address_cluster",
        }
    # The same form again (an old tab): the page says why, it is no 500.
    again = post_review(api, fid, "confirm", "Once more.", token)
    assert again.status_code == 409
    assert "This finding is confirmed; it cannot become confirmed." in again.text


def test_a_reopened_finding_waits_in_the_appeals_queue(api: Api) -> None:
    fid, _, _ = a_cluster(api)
    api.staff_pages("a@hq.example", Role.ANALYST)
    token = review_form(api, fid, "dismiss")
    assert post_review(api, fid, "dismiss", "A family of cousins.", token).status_code == 303
    assert "No appeal is waiting." in api.client.get("/staff/appeals", headers=HTML).text
    token = review_form(api, fid, "reopen")
    assert post_review(api, fid, "reopen", "", token).status_code == 400
    assert post_review(api, fid, "reopen", "The sponsor wrote in.", token).status_code == 303
    appeals = api.client.get("/staff/appeals", headers=HTML).text
    assert f'href="/staff/findings/{fid}"' in appeals
    assert "The sponsor wrote in." in appeals
    assert "a@hq.example" in appeals
    assert "dismissed" in appeals
    with api.db.read_only() as s:
        trail = s.scalars(select(FindingEvent.action).where(FindingEvent.finding_id == fid)).all()
    assert list(trail) == ["created", "reviewed", "appealed"]


def test_confirming_asks_to_prove_who_you_are_again_after_a_while(
    api: Api, clock: FrozenClock, settings: Settings
) -> None:
    fid, _, _ = a_cluster(api)
    token = api.staff_pages("a@hq.example", Role.ANALYST)
    clock.advance(minutes=settings.staff_reauth_minutes + 1)
    form = api.client.get(
        f"/staff/findings/{fid}/review?action=confirm", headers=HTML, follow_redirects=False
    )
    assert form.status_code == 303
    assert form.headers["location"].startswith("/staff/confirm?next=")
    posted = post_review(api, fid, "confirm", "Checked.", token)
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/staff/confirm?next=")
    with api.db.read_only() as s:
        assert s.get(FindingRow, fid).status == "new"  # type: ignore[union-attr]
    # Reopening is no decision about a person: no fresh proof needed.
    assert (
        api.client.get(f"/staff/findings/{fid}/review?action=reopen", headers=HTML).status_code
        == 200
    )


def test_an_unknown_review_action_is_refused(api: Api) -> None:
    fid, _, _ = a_cluster(api)
    api.staff_pages("a@hq.example", Role.ANALYST)
    got = api.client.get(f"/staff/findings/{fid}/review?action=delete", headers=HTML)
    assert got.status_code == 422
