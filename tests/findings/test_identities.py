"""The draw's resolver merges on "same person" findings only, never on "possibly"."""

from __future__ import annotations

from datetime import UTC, datetime

from puerta.db import Database
from puerta.findings.identities import draw_resolver, identity_labels
from puerta.findings.models import Finding, FindingTraveler
from puerta.findings.value import DUPLICATE_PERSON, POSSIBLE_DUPLICATE_PERSON


def _finding(s, kind: str, rids: tuple[str, ...]) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    finding = Finding(
        key=f"{kind}:test", kind=kind, score=1.0, explanation=[],
        first_seen_at=now, last_seen_at=now, updated_at=now,
    )  # fmt: skip
    s.add(finding)
    s.flush()
    s.add_all(FindingTraveler(finding_id=finding.id, registration_id=r, position=0) for r in rids)


def test_a_possible_duplicate_never_reaches_the_draw(db: Database) -> None:
    with db.session() as s:
        _finding(s, DUPLICATE_PERSON, ("RA", "RB"))
        _finding(s, POSSIBLE_DUPLICATE_PERSON, ("RC", "RD"))
    with db.session() as s:
        labels = identity_labels(s, ["RA", "RB", "RC", "RD"])
        resolver = draw_resolver(s, ["RA", "RB", "RC", "RD"])
    assert sorted(labels["registration_id"].to_list()) == ["RA", "RB"]
    assert labels["identity"].n_unique() == 1
    assert resolver is not None
