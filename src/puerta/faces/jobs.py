"""The job that runs the face model: registered photos, then live photos, in batches.

Run by the scheduler's leader each pass (``face_batch_size`` photos at most) and by
``puerta faces run``. The model works holding no connection: each photo is read in a
short transaction, encoded, and its result written in another, so a request never
waits for the model and the store never waits for a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from puerta.clock import Clock
from puerta.db import Database
from puerta.faces import service
from puerta.faces.matcher import FaceMatcher, FaceResult, FaceStatus
from puerta.faces.models import LiveFaceCheck
from puerta.registration.models import Traveler
from puerta.registration.photos import PhotoStore


@dataclass(frozen=True)
class Counts:
    photos: int = 0
    live: int = 0

    def __bool__(self) -> bool:
        return bool(self.photos or self.live)


def _encode_stored(matcher: FaceMatcher, photos: PhotoStore, sha256: str) -> FaceResult:
    try:
        data = photos.get(sha256)
    except (OSError, ValueError):
        return FaceResult(FaceStatus.UNREADABLE)
    return matcher.encode(data)


def encode_photos(
    db: Database, shas: list[str], *, matcher: FaceMatcher, photos: PhotoStore, clock: Clock
) -> int:
    for sha in shas:
        result = _encode_stored(matcher, photos, sha)
        with db.session() as session:
            service.save_encoding(session, photo_sha256=sha, result=result, clock=clock)
    return len(shas)


def check_live(
    db: Database,
    check_id: int,
    *,
    matcher: FaceMatcher,
    photos: PhotoStore,
    threshold: float,
    clock: Clock,
) -> None:
    """Compare one live photo with its registration's photos (encoding any not yet), and
    keep the photo in the photo store for the officer (``service.forget_live_photos``
    deletes it after its retention)."""
    with db.read_only() as session:
        check = session.get(LiveFaceCheck, check_id)
        if check is None or check.status != service.PENDING:
            return
        image, rid = check.pending_image or b"", check.registration_id
        known = {f.photo_sha256 for f in service.registered_faces(session, registration_id=rid)}
        missing = sorted(
            {
                sha
                for sha in session.scalars(
                    select(Traveler.photo_sha256).where(Traveler.registration_id == rid)
                )
                if sha and sha not in known
            }
        )
        sha = check.image_sha256
    encode_photos(db, missing, matcher=matcher, photos=photos, clock=clock)
    if image:  # kept for the officer's console before it leaves the row (content-addressed:
        photos.put(sha, image)  # a retry puts the same file again)
    live = matcher.encode(image)
    with db.session() as session:
        check = session.get(LiveFaceCheck, check_id)
        if check is None or check.status != service.PENDING:
            return
        registered = service.registered_faces(session, registration_id=rid)
        outcome = service.best_outcome(live, registered, threshold=threshold)
        check.photo_kept = bool(image)
        service.save_live_result(session, check=check, live=live, outcome=outcome, clock=clock)


def process_pending(
    db: Database,
    *,
    matcher: FaceMatcher,
    photos: PhotoStore,
    threshold: float,
    clock: Clock,
    limit: int,
) -> Counts:
    """Encode up to ``limit`` registered photos, then check up to ``limit`` live photos."""
    if limit <= 0:
        return Counts()
    with db.read_only() as session:
        shas = service.photos_to_encode(session, limit=limit)
    done = encode_photos(db, shas, matcher=matcher, photos=photos, clock=clock)
    with db.read_only() as session:
        checks = service.live_checks_to_run(session, limit=limit)
    for check_id in checks:
        check_live(db, check_id, matcher=matcher, photos=photos, threshold=threshold, clock=clock)
    return Counts(done, len(checks))
