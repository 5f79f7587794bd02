"""Faces in the store: encodings of registered photos, and the live photo's comparison.

Nothing here runs the model: ``puerta.faces.jobs`` does, holding no connection, and
hands its results to these functions. A comparison is stored and shown to the
officer; it is never a reason to refuse anyone, and neither confirmation nor the
port's processing reads it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.faces.matcher import (
    ENCODING_SIZE,
    Comparison,
    FaceResult,
    FaceStatus,
    Verdict,
    compare,
)
from puerta.faces.models import FaceEncoding, LiveFaceCheck
from puerta.registration.models import Photo, Traveler

PENDING = "pending"
DONE = "done"


def pack(encoding: Sequence[float]) -> bytes | None:
    """128 float32 numbers as 512 bytes (what the store keeps)."""
    if not encoding:
        return None
    import numpy as np

    return np.asarray(encoding, dtype="<f4").tobytes()


def unpack(data: bytes | None) -> tuple[float, ...]:
    if not data:
        return ()
    import numpy as np

    values = np.frombuffer(data, dtype="<f4")
    if values.size != ENCODING_SIZE:
        raise ValueError(f"a face encoding has {ENCODING_SIZE} numbers, not {values.size}")
    return tuple(float(v) for v in values)


def result_of(row: FaceEncoding) -> FaceResult:
    return FaceResult(
        FaceStatus(row.status),
        encoding=unpack(row.encoding),
        quality=tuple(row.quality or ()),
        faces=row.faces,
        face_px=row.face_px,
        model=row.model,
    )


# --- registered photos --------------------------------------------------------------------


def photos_to_encode(session: Session, *, limit: int) -> list[str]:
    """Registered photos of travelers that have no encoding yet, oldest first."""
    return list(
        session.scalars(
            select(Photo.sha256)
            .outerjoin(FaceEncoding, FaceEncoding.photo_sha256 == Photo.sha256)
            .where(
                FaceEncoding.photo_sha256.is_(None),
                Photo.sha256.in_(select(Traveler.photo_sha256)),
            )
            .order_by(Photo.created_at, Photo.sha256)
            .limit(limit)
        )
    )


def save_encoding(
    session: Session, *, photo_sha256: str, result: FaceResult, clock: Clock
) -> FaceEncoding:
    """Keep what the model saw in a registered photo (once: photos never change)."""
    row = session.get(FaceEncoding, photo_sha256)
    if row is None:
        row = FaceEncoding(
            photo_sha256=photo_sha256,
            status=result.status.value,
            quality=list(result.quality),
            encoding=pack(result.encoding),
            model=result.model,
            faces=result.faces,
            face_px=result.face_px,
            created_at=clock.now(),
        )
        session.add(row)
        session.flush()
    return row


@dataclass(frozen=True)
class RegisteredFace:
    registration_id: str
    position: int
    photo_sha256: str
    result: FaceResult


def registered_faces(
    session: Session, *, registration_id: str | None = None
) -> list[RegisteredFace]:
    """Every traveler's registered photo that has been encoded (one registration's, or all)."""
    query = (
        select(Traveler.registration_id, Traveler.position, FaceEncoding)
        .join(FaceEncoding, FaceEncoding.photo_sha256 == Traveler.photo_sha256)
        .order_by(Traveler.registration_id, Traveler.position)
    )
    if registration_id is not None:
        query = query.where(Traveler.registration_id == registration_id)
    return [
        RegisteredFace(rid, pos, row.photo_sha256, result_of(row))
        for rid, pos, row in session.execute(query)
    ]


# --- the live photo at confirmation -------------------------------------------------------


def record_live_photo(
    session: Session,
    *,
    appointment_id: int,
    registration_id: str,
    live_photo: bytes,
    clock: Clock,
) -> LiveFaceCheck:
    """Keep the live photo of a booked confirmation for comparison, off the request path.

    Called in the confirmation's own transaction: the check exists exactly when the
    appointment does. The photo is kept only until it is encoded.
    """
    check = LiveFaceCheck(
        appointment_id=appointment_id,
        registration_id=registration_id,
        image_sha256=hashlib.sha256(live_photo).hexdigest(),
        pending_image=live_photo,
        status=PENDING,
        quality=[],
        created_at=clock.now(),
    )
    session.add(check)
    session.flush()
    return check


def live_checks_to_run(session: Session, *, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(LiveFaceCheck.id)
            .where(LiveFaceCheck.status == PENDING)
            .order_by(LiveFaceCheck.created_at, LiveFaceCheck.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Outcome:
    """The live photo against the registration's registered photos, best match first."""

    comparison: Comparison
    traveler_position: int | None


_RANK = {Verdict.SAME: 0, Verdict.DIFFERENT: 1, Verdict.POOR_QUALITY: 2, Verdict.NO_FACE: 3}


def best_outcome(
    live: FaceResult, registered: Sequence[RegisteredFace], *, threshold: float
) -> Outcome:
    """The traveler the live photo is closest to, and the verdict for that pair.

    Any traveler's photo matching makes it "same person" (the person confirming is
    one of the group); otherwise the nearest usable photo gives "different person";
    poor quality or no face on either side says the photos cannot be compared.

    Example:
        >>> a = FaceResult(FaceStatus.FOUND, encoding=(0.0,) * 128)
        >>> far = RegisteredFace("R1", 0, "x", FaceResult(FaceStatus.FOUND, (1.0,) * 128))
        >>> near = RegisteredFace("R1", 1, "y", a)
        >>> best_outcome(a, [far, near], threshold=0.55).traveler_position
        1
    """
    if not registered:
        return Outcome(compare(live, FaceResult(FaceStatus.NO_FACE), threshold=threshold), None)
    ranked = sorted(
        ((compare(live, r.result, threshold=threshold), r.position) for r in registered),
        key=lambda c: (
            _RANK[c[0].verdict],
            c[0].distance if c[0].distance is not None else 9,
            c[1],
        ),
    )
    comparison, position = ranked[0]
    return Outcome(comparison, position if comparison.distance is not None else None)


def save_live_result(
    session: Session,
    *,
    check: LiveFaceCheck,
    live: FaceResult,
    outcome: Outcome,
    clock: Clock,
) -> LiveFaceCheck:
    """The verdict, the distance and the live encoding; the live photo itself is dropped."""
    check.status = DONE
    check.live_status = live.status.value
    check.quality = list(live.quality)
    check.verdict = outcome.comparison.verdict.value
    check.distance = outcome.comparison.distance
    check.threshold = outcome.comparison.threshold
    check.traveler_position = outcome.traveler_position
    check.encoding = pack(live.encoding)
    check.model = live.model
    check.pending_image = None
    check.checked_at = clock.now()
    session.flush()
    return check


def checks_for_appointments(
    session: Session, appointment_ids: Sequence[int]
) -> dict[int, LiveFaceCheck]:
    """Each appointment's live-photo check, for the officer's views."""
    found: dict[int, LiveFaceCheck] = {}
    ids = list(appointment_ids)
    for start in range(0, len(ids), 1_000):
        for check in session.scalars(
            select(LiveFaceCheck).where(
                LiveFaceCheck.appointment_id.in_(ids[start : start + 1_000])
            )
        ):
            found[check.appointment_id] = check
    return found
