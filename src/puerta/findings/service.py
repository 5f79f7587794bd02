"""Storing findings, reviewing them, and routing them to the ports.

A re-run of the analysis updates findings by their stable key instead of
adding duplicates. A finding is never an automatic decision about a person:
the confirmation and the port's processing never read it. The draw reads one
kind, through ``findings.identities``: a duplicate-person finding not
dismissed makes its travelers one person (one ticket), and every request it
merges is listed for staff review; dismissing the finding (an appeal) undoes
that from the next draw on.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from puerta import lifecycle
from puerta.accounts.models import User
from puerta.clock import Clock
from puerta.errors import FindingNotFound, ReviewNeedsNote
from puerta.findings import explain
from puerta.findings.models import Finding, FindingEvent, FindingTraveler
from puerta.findings.value import Finding as FoundValue
from puerta.lifecycle import FindingStatus
from puerta.registration.models import Traveler

CHUNK = 5_000
DECIDED = frozenset({FindingStatus.CONFIRMED.value, FindingStatus.DISMISSED.value})
APPEALED = "appealed"
"""The trail's action for a decided finding reopened: an appeal."""


@dataclass(frozen=True)
class UpsertCounts:
    created: int
    updated: int
    unchanged: int


def _chunks(items: Sequence, size: int = CHUNK):  # type: ignore[no-untyped-def]
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _traveler_ids(session: Session, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
    found: dict[tuple[str, int], int] = {}
    for part in _chunks(list(refs), 1_000):
        rows = session.execute(
            select(Traveler.registration_id, Traveler.position, Traveler.id).where(
                tuple_(Traveler.registration_id, Traveler.position).in_(part)
            )
        )
        found.update({(r, p): i for r, p, i in rows})
    return found


def upsert(session: Session, found: Iterable[FoundValue], *, clock: Clock) -> UpsertCounts:
    """Write a run's findings: new keys are created, known ones refreshed.

    A finding's review (status, reviewer, notes) survives a re-run; only the
    evidence, score, explanation and linked travelers are refreshed. A finding is
    unchanged when its score, evidence and explanation (codes and parameters, not
    words) are.
    """
    now = clock.now()
    values = {f.key: f for f in found}
    existing: dict[str, Finding] = {}
    for part in _chunks(list(values)):
        for row in session.scalars(select(Finding).where(Finding.key.in_(part))):
            existing[row.key] = row
    created = updated = unchanged = 0
    touched: list[tuple[Finding, FoundValue]] = []
    new_keys: set[str] = set()
    for key, value in values.items():
        row = existing.get(key)
        if row is None:
            row = Finding(
                key=key,
                kind=value.kind,
                score=value.score,
                explanation=value.explanation_json(),
                evidence=value.evidence,
                normalised_keys=list(value.normalised_keys),
                flagged=value.flagged,
                status=FindingStatus.NEW.value,
                first_seen_at=now,
                last_seen_at=now,
                updated_at=now,
            )
            session.add(row)
            created += 1
            new_keys.add(key)
            touched.append((row, value))
            continue
        row.last_seen_at = now
        explanation = value.explanation_json()
        same = (
            row.score == value.score
            and row.explanation == explanation
            and row.evidence == value.evidence
        )
        if same:
            unchanged += 1
            continue
        row.score, row.explanation = value.score, explanation
        row.evidence, row.normalised_keys = value.evidence, list(value.normalised_keys)
        row.flagged, row.updated_at = value.flagged, now
        updated += 1
        touched.append((row, value))
    session.flush()
    _link_travelers(session, touched)
    events = [
        {
            "finding_id": row.id,
            "at": now,
            "action": "created" if row.key in new_keys else "updated",
            "to_status": row.status,
        }
        for row, _ in touched
    ]
    for part in _chunks(events):
        session.execute(insert(FindingEvent), list(part))
    return UpsertCounts(created, updated, unchanged)


def _link_travelers(session: Session, touched: list[tuple[Finding, FoundValue]]) -> None:
    if not touched:
        return
    ids = [row.id for row, _ in touched]
    for part in _chunks(ids):
        session.execute(delete(FindingTraveler).where(FindingTraveler.finding_id.in_(part)))
    refs = {ref for _, value in touched for ref in value.travelers}
    traveler_ids = _traveler_ids(session, sorted(refs))
    rows = [
        {
            "finding_id": row.id,
            "registration_id": rid,
            "position": pos,
            "traveler_id": traveler_ids.get((rid, pos)),
        }
        for row, value in touched
        for rid, pos in sorted(set(value.travelers))
    ]
    for part in _chunks(rows):
        session.execute(insert(FindingTraveler), list(part))


def get(session: Session, finding_id: int) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise FindingNotFound(finding_id=finding_id)
    return finding


def search(
    session: Session,
    *,
    kind: str | None = None,
    status: str | None = None,
    min_score: float | None = None,
    registration_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Finding]:
    query = select(Finding)
    if kind:
        query = query.where(Finding.kind == kind)
    if status:
        query = query.where(Finding.status == FindingStatus(status).value)
    if min_score is not None:
        query = query.where(Finding.score >= min_score)
    if registration_id:
        query = query.where(
            Finding.id.in_(
                select(FindingTraveler.finding_id).where(
                    FindingTraveler.registration_id == registration_id
                )
            )
        )
    query = query.order_by(Finding.score.desc(), Finding.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def review(
    session: Session,
    *,
    finding: Finding,
    reviewer: User,
    status: FindingStatus,
    note: str | None,
    clock: Clock,
) -> Finding:
    """Move a finding through review; reopening a decided one is how an appeal starts.

    Confirming, dismissing and reopening a decided finding each need a reason. A
    reopening is recorded as ``appealed`` (``workbench.appeals`` lists the findings
    whose appeal waits for a new decision); every other move as ``reviewed``.

    Only analysts and admins review: the route declares it (``Analyst``).
    """
    before = finding.status
    appeal = status == FindingStatus.UNDER_REVIEW and before in DECIDED
    if (status in DECIDED or appeal) and not (note or "").strip():
        raise ReviewNeedsNote(field="note")
    lifecycle.move(finding, status)
    now = clock.now()
    finding.reviewer_id = reviewer.id
    finding.updated_at = now
    if note:
        finding.notes = ((finding.notes + "\n") if finding.notes else "") + note.strip()
    session.add(
        FindingEvent(
            finding_id=finding.id,
            at=now,
            actor_id=reviewer.id,
            action=APPEALED if appeal else "reviewed",
            from_status=before,
            to_status=finding.status,
            note=note,
        )
    )
    return finding


def history(session: Session, finding: Finding) -> list[FindingEvent]:
    return list(
        session.scalars(
            select(FindingEvent)
            .where(FindingEvent.finding_id == finding.id)
            .order_by(FindingEvent.at, FindingEvent.id)
        )
    )


def actors(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """The e-mail of each reviewer in a trail (one statement)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.email).where(User.id.in_(ids))).all()
    return {int(user_id): str(email) for user_id, email in rows}


def travelers_of(session: Session, finding: Finding) -> list[FindingTraveler]:
    return list(
        session.scalars(
            select(FindingTraveler)
            .where(FindingTraveler.finding_id == finding.id)
            .order_by(FindingTraveler.registration_id, FindingTraveler.position)
        )
    )


def for_registrations(
    session: Session, registration_ids: Sequence[str]
) -> dict[str, list[Finding]]:
    """Open findings touching each registration: what the port's officers see per arrival.

    Dismissed findings are left out; unflagged ones (a known shelter) too.
    """
    result: dict[str, list[Finding]] = defaultdict(list)
    for part in _chunks(list(registration_ids), 1_000):
        rows = session.execute(
            select(FindingTraveler.registration_id, Finding)
            .join(Finding, Finding.id == FindingTraveler.finding_id)
            .where(
                FindingTraveler.registration_id.in_(part),
                Finding.status != FindingStatus.DISMISSED.value,
                Finding.flagged.is_(True),
            )
        )
        for rid, finding in rows:
            if finding not in result[rid]:
                result[rid].append(finding)
    for findings in result.values():
        findings.sort(key=lambda f: -f.score)
    return dict(result)


def export_jsonl(session: Session, path: Path) -> int:
    """Every finding as one JSON object per line: the documented export format.

    The one place findings leave in English: ``explanation`` is rendered in
    English (times in UTC) beside the ``explanation_codes`` and
    ``explanation_params`` it is rendered from.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    written, last_id = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while True:
            page = list(
                session.scalars(
                    select(Finding).where(Finding.id > last_id).order_by(Finding.id).limit(CHUNK)
                )
            )
            if not page:
                return written
            last_id = page[-1].id
            links: dict[int, list[list[str | int]]] = defaultdict(list)
            for link in session.scalars(
                select(FindingTraveler)
                .where(FindingTraveler.finding_id.in_([f.id for f in page]))
                .order_by(FindingTraveler.registration_id, FindingTraveler.position)
            ):
                links[link.finding_id].append([link.registration_id, link.position])
            for finding in page:
                travelers = links.get(finding.id, [])
                record = {
                    "id": finding.id,
                    "key": finding.key,
                    "kind": finding.kind,
                    "score": finding.score,
                    "explanation": explain.render_explanation(finding.explanation),
                    "explanation_codes": explain.codes(finding.explanation),
                    "explanation_params": explain.params_of(finding.explanation),
                    "evidence": finding.evidence,
                    "registration_ids": sorted({str(rid) for rid, _ in travelers}),
                    "travelers": travelers,
                    "normalised_keys": finding.normalised_keys,
                    "flagged": finding.flagged,
                    "status": finding.status,
                    "first_seen_at": finding.first_seen_at.isoformat(),
                    "last_seen_at": finding.last_seen_at.isoformat(),
                }
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                written += 1
