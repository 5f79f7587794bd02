"""Registered photos compared across registrations: evidence for the trend analysis."""

from __future__ import annotations

from collections.abc import Callable

from puerta.config import Settings
from puerta.faces import jobs as face_jobs
from puerta.faces.matcher import FaceResult
from puerta.findings import explain
from puerta.findings import service as findings_service
from puerta.findings.value import DUPLICATE_PERSON, SAME_FACE, Finding, stable_key
from puerta.trends import job
from puerta.trends.faces import Face, face_findings
from tests.api_support import Api

THRESHOLD = Settings(_env_file=None).face_match_threshold


def faces(encoded: Callable[[str], FaceResult], *photos: tuple[str, str]) -> list[Face]:
    return [Face(rid, 0, name, encoded(name).encoding) for rid, name in photos]


def test_one_face_on_two_registrations_is_a_same_face_finding(
    encoded: Callable[[str], FaceResult],
) -> None:
    found = face_findings(
        faces(encoded, ("R1", "obama.jpg"), ("R2", "obama3.jpg"), ("R3", "biden.jpg")),
        [],
        threshold=THRESHOLD,
    )
    assert [f.kind for f in found] == [SAME_FACE]
    finding = found[0]
    assert finding.registration_ids == ("R1", "R2")
    assert finding.travelers == (("R1", 0), ("R2", 0))
    assert finding.evidence["same_face_pairs"] == 1
    assert 0 < finding.evidence["min_distance"] <= THRESHOLD
    text = explain.render_explanation(finding.explanation_json())
    assert text.startswith("The registered photos of 2 travelers on 2 registrations show one face")
    assert "compare the photos by eye" in text


def test_a_face_match_is_added_to_the_duplicate_person_finding(
    encoded: Callable[[str], FaceResult],
) -> None:
    duplicate = Finding(
        kind=DUPLICATE_PERSON,
        key=stable_key(DUPLICATE_PERSON, "p1"),
        score=0.9,
        explanation=(),
        evidence={"registrations": 2},
        registration_ids=("R1", "R2"),
        travelers=(("R1", 0), ("R2", 0)),
    )
    found = face_findings(
        faces(encoded, ("R1", "obama.jpg"), ("R2", "obama2.jpg")), [duplicate], threshold=THRESHOLD
    )
    assert [f.kind for f in found] == [DUPLICATE_PERSON]
    assert found[0].evidence["registrations"] == 2
    assert found[0].evidence["faces"]["same_face_pairs"] == 1
    assert found[0].explanation_codes == ("explain.duplicate_person.same_face",)


def test_different_people_and_one_registration_are_not_evidence(
    encoded: Callable[[str], FaceResult],
) -> None:
    different = faces(encoded, ("R1", "obama.jpg"), ("R2", "biden.jpg"), ("R3", "cage.jpg"))
    assert face_findings(different, [], threshold=THRESHOLD) == []
    # Two travelers of one registration are one group, not a duplicate.
    family = [Face("R1", 0, "a", encoded("obama.jpg").encoding)]
    family.append(Face("R1", 1, "b", encoded("obama2.jpg").encoding))
    assert face_findings(family, [], threshold=THRESHOLD) == []


def test_the_trend_job_reads_the_stored_encodings(
    api: Api, photo: Callable[[str], bytes], settings: Settings
) -> None:
    """Upload, the job's encoding, then the trend analysis and the findings store."""
    rids = []
    for i, name in enumerate(("obama.jpg", "obama2.jpg", "biden.jpg")):
        token = api.sign_up_verified(f"p{i}@example.org")
        rid = api.registration(token, photos=False)
        assert api.photo(token, rid, 0, photo(name)).status_code == 200
        rids.append(rid)
    counts = face_jobs.process_pending(
        api.db,
        matcher=api.client.app.state.faces,  # type: ignore[attr-defined]
        photos=api.client.app.state.photos,  # type: ignore[attr-defined]
        threshold=settings.face_match_threshold,
        clock=api.clock,
        limit=10,
    )
    assert counts.photos == 3
    found = job.with_faces(api.db, [], threshold=settings.face_match_threshold)
    with api.db.session() as s:
        findings_service.upsert(s, found, clock=api.clock)
    with api.db.read_only() as s:
        stored = findings_service.search(s, kind=SAME_FACE)
        assert len(stored) == 1
        assert sorted(stored[0].evidence["pairs"][0][0::2][:2]) == sorted(rids[:2])
        touching = findings_service.for_registrations(s, rids)
        assert set(touching) == set(rids[:2])
