"""The draw service on both backends: commitment, publication, merging, deferral, finality."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.draw import commitment as cm
from puerta.draw import publication
from puerta.draw import service as draw_service
from puerta.draw.models import ArtefactFrozen, Deferral, Draw, DrawReview, Selection
from puerta.errors import DrawAlreadyRun, PoolAlreadyPublished, SeedCommitmentMismatch
from puerta.requests.models import AppointmentRequest
from tests.draw.world import POOL_DAY, ask, person, registration


def _draw(db: Database, settings: Settings, clock: FrozenClock, day: date = POOL_DAY) -> Draw:
    with db.session() as s:
        return draw_service.run_draw(s, pool_date=day, settings=settings, clock=clock)


def test_committed_before_the_window_verifies_without_warning(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    before = FrozenClock(datetime(2026, 3, 3, 16, 0, tzinfo=UTC))  # 11:00 New York, day before
    with db.session() as s:
        row = publication.commit(s, pool_date=POOL_DAY, settings=settings, clock=before)
        assert not row.late
        assert publication.artefacts(s, POOL_DAY)["status"] == "committed"
        assert "seed_hex" not in publication.artefacts(s, POOL_DAY)
    rid = registration(db, settings, clock, [person("Ana Lucía")])
    ask(db, settings, clock, rid)
    clock.advance(hours=1, minutes=5)
    draw = _draw(db, settings, clock)
    assert draw.warnings == []
    with db.session() as s:
        report = publication.verify_day(s, POOL_DAY)
        assert report.ok, report.problems
        assert report.warnings == []
        published = publication.artefacts(s, POOL_DAY)
    assert published["status"] == "drawn"
    text = str(published)
    assert "Ana" not in text
    assert rid not in text


def test_a_late_commitment_is_drawn_with_a_stated_warning(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registration(db, settings, clock, [person("Ana")])
    ask(db, settings, clock, rid)
    clock.advance(hours=1, minutes=5)
    draw = _draw(db, settings, clock)
    assert any("after the request window opened" in w for w in draw.warnings)
    with db.session() as s:
        report = publication.verify_day(s, POOL_DAY)
    assert report.ok
    assert any("after the request window opened" in w for w in report.warnings)


def test_duplicates_merge_links_seat_only_new_persons_and_are_listed(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    ana, bo, cy = person("Ana"), person("Bo", born=date(1991, 2, 3)), person("Cy")
    first = registration(db, settings, clock, [ana, bo])
    clock.advance(minutes=1)
    # Ana again, written in capitals, birth day and month swapped, one surname.
    again = registration(
        db, settings, clock, [person("ANA", family="Morales", born=date(1990, 5, 17))]
    )
    clock.advance(minutes=1)
    linked = registration(db, settings, clock, [bo, cy.model_copy(update={"given_names": "Cy"})])
    ids = {rid: ask(db, settings, clock, rid) for rid in (first, again, linked)}
    clock.advance(hours=1)
    _draw(db, settings, clock)
    with db.session() as s:
        seats = dict(s.execute(select(Selection.registration_id, Selection.seats)).all())
        reviews = {
            (r.registration_id, r.into_registration_id, r.role)
            for r in s.scalars(select(DrawReview))
        }
    assert seats == {first: 2, linked: 1}
    assert reviews == {(again, first, "duplicate"), (linked, first, "linked")}
    assert ids[again] not in seats


def test_published_artefacts_are_final(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    rid = registration(db, settings, clock, [person("Ana")])
    ask(db, settings, clock, rid)
    clock.advance(hours=1, minutes=5)
    _draw(db, settings, clock)
    with pytest.raises(DrawAlreadyRun):
        _draw(db, settings, clock)
    with db.session() as s, pytest.raises(PoolAlreadyPublished):
        publication.close_pool(s, pool_date=POOL_DAY, settings=settings, clock=clock)
    with db.session() as s, pytest.raises(SeedCommitmentMismatch):
        publication.commit(s, pool_date=POOL_DAY, settings=settings, clock=clock, seed=b"x")
    with db.session() as s:
        draw = s.scalar(select(Draw))
        assert draw is not None
        with pytest.raises(ArtefactFrozen):
            draw.result = {}
        row = publication.get_commitment(s, POOL_DAY)
        assert row is not None
        with pytest.raises(ArtefactFrozen):
            row.records = ["v1|forged"]


def test_a_deferred_group_goes_first_in_its_next_draw_at_the_port(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.port_shares = {"SYS": 1.0}
    settings.daily_capacity = 3
    settings.seniority_share = 1.0  # oldest first: two singles, then the family of three

    def days_ago(n: int) -> FrozenClock:
        return FrozenClock(clock.now() - timedelta(days=n))

    singles = [
        registration(db, settings, days_ago(9 - i), [person(f"Solo{'ab'[i]}")]) for i in (0, 1)
    ]
    family = registration(
        db, settings, days_ago(5), [person(n, family="Pierre") for n in ("Jean", "Marie", "Luc")]
    )
    for rid in [*singles, family]:
        ask(db, settings, clock, rid)
    clock.advance(hours=1, minutes=5)
    draw = _draw(db, settings, clock)
    with db.session() as s:
        deferral = s.scalar(select(Deferral))
        assert deferral is not None
        assert deferral.registration_id == family
    assert draw.deferred
    assert draw.seats_offered == 2
    clock.advance(hours=1)  # 12:05 New York: the next window is open
    ask(db, settings, clock, family)
    later = registration(db, settings, clock, [person("Early", born=date(1980, 1, 1))])
    ask(db, settings, clock, later)
    clock.advance(days=1)
    nxt = _draw(db, settings, clock, POOL_DAY + timedelta(days=1))
    with db.session() as s:
        chosen = s.scalar(
            select(Selection).where(
                Selection.draw_id == nxt.id, Selection.registration_id == family
            )
        )
        assert chosen is not None
        assert chosen.reason == "priority"
        assert chosen.seats == 3
        used = s.scalar(select(Deferral))
        assert used is not None
        assert used.used_on == POOL_DAY + timedelta(days=1)
        request = s.scalar(
            select(AppointmentRequest).where(
                AppointmentRequest.registration_id == family,
                AppointmentRequest.pool_date == POOL_DAY + timedelta(days=1),
            )
        )
        assert request is not None
        assert request.priority
        assert publication.verify_day(s, POOL_DAY + timedelta(days=1)).ok


def test_the_scheduler_commits_the_next_window_before_it_opens(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    with db.session() as s:
        done = publication.commit_upcoming(s, settings=settings, clock=clock)
    assert done == [POOL_DAY, POOL_DAY + timedelta(days=1)]  # the open one late, the next early
    with db.session() as s:
        rows = {d: publication.get_commitment(s, d) for d in done}
        assert rows[POOL_DAY].late
        assert not rows[POOL_DAY + timedelta(days=1)].late
        assert publication.commit_upcoming(s, settings=settings, clock=clock) == []


def test_the_baseline_stays_available_by_setting(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.draw_algorithm = "oig-baseline"
    rid = registration(db, settings, clock, [person("Ana"), person("Bo")])
    ask(db, settings, clock, rid)
    clock.advance(hours=1, minutes=5)
    draw = _draw(db, settings, clock)
    assert draw.algorithm == "oig-baseline"
    assert draw.seats_offered == 2


def test_a_tampered_record_in_the_store_fails_verification(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    for name in ("Ana", "Bo", "Cy"):
        ask(db, settings, clock, registration(db, settings, clock, [person(name)]))
    clock.advance(hours=1, minutes=5)
    _draw(db, settings, clock)
    with db.session() as s:
        published = publication.published_draw(s, POOL_DAY)
    assert cm.verify(published).ok
    forged = published.records[0].replace("|1|", "|2|")
    bad = cm.verify(
        cm.PublishedDraw(**{**published.__dict__, "records": [forged, *published.records[1:]]})
    )
    assert not bad.ok
    assert not bad.checks["pool_root"]


def test_the_trend_analysis_identities_join_persons_the_keys_miss_until_dismissed(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    """ "Oleksandr" and "Aleksandr" share no key; a duplicate-person finding of the
    trend analysis says they are one man, so the draw enters him once. Once a
    reviewer dismisses the finding (an appeal), the next draw enters both."""
    from puerta.findings.models import Finding, FindingTraveler
    from puerta.findings.value import DUPLICATE_PERSON
    from puerta.lifecycle import FindingStatus

    born = date(1988, 4, 2)
    first = registration(db, settings, clock, [person("Oleksandr", "Shevchenko", born)])
    clock.advance(minutes=1)
    second = registration(db, settings, clock, [person("Aleksandr", "Schewtschenko", born)])
    now = clock.now()
    with db.session() as s:
        finding = Finding(
            key="duplicate_person:test", kind=DUPLICATE_PERSON, score=1.0,
            explanation=[{"code": "explain.duplicate_person.exact_key_one", "params": {}}],
            first_seen_at=now, last_seen_at=now,
            updated_at=now,
        )  # fmt: skip
        s.add(finding)
        s.flush()
        s.add_all(
            FindingTraveler(finding_id=finding.id, registration_id=rid, position=0)
            for rid in (first, second)
        )
        finding_id = finding.id

    def reviews_of(day: date) -> dict[str, str]:
        with db.session() as s:
            publication.close_pool(s, pool_date=day, settings=settings, clock=clock)
            rows = s.scalars(select(DrawReview).where(DrawReview.pool_date == day))
            return {r.registration_id: r.role for r in rows}

    for rid in (first, second):
        ask(db, settings, clock, rid)
    clock.advance(hours=1, minutes=5)
    assert reviews_of(POOL_DAY) == {second: "duplicate"}
    with db.session() as s:
        s.get(Finding, finding_id).status = FindingStatus.DISMISSED.value  # type: ignore[union-attr]
    clock.advance(hours=1)  # the next window is open
    for rid in (first, second):
        ask(db, settings, clock, rid)
    clock.advance(days=1)
    assert reviews_of(POOL_DAY + timedelta(days=1)) == {}
