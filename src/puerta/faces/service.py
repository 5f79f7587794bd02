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
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from puerta.clock import Clock
from puerta.confirmation.models import Appointment
from puerta.faces.matcher import (
    ENCODING_SIZE,
    Comparison,
    FaceResult,
    FaceStatus,
    Verdict,
    compare,
)
from puerta.faces.models import FaceEncoding, LiveFaceCheck
from puerta.ports.models import Port
from puerta.registration.models import Photo, Traveler
from puerta.registration.photos import PhotoStore

PENDING = "pending"
DONE = "done"
#: A check whose live photo passed its retention before the model compared it.
EXPIRED = "expired"


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
    """The verdict, the distance and the live encoding; the live photo leaves the row
    (the caller has put it in the photo store for the officer: ``photo_kept``)."""
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


# --- the live photo for the officer, and its retention ------------------------------------


def live_photo_bytes(check: LiveFaceCheck, store: PhotoStore) -> bytes | None:
    """The live photo of a check: in the photo store once compared, on the row until then;
    None once its retention has passed (or if the file is gone)."""
    if check.photo_kept:
        try:
            return store.get(check.image_sha256)
        except (OSError, ValueError):
            return None
    return check.pending_image or None


def forget_live_photos(
    session: Session, *, store: PhotoStore, retention_days: int, clock: Clock, limit: int = 500
) -> int:
    """Delete the live photos of appointments whose day ended ``retention_days`` or more
    days ago in their port's own time zone (the photo store's file, or the bytes of a
    check the model never compared); how many went.

    Why keep them at all: the officer compares the person at the door with the live
    photo taken at confirmation; after the arrival day and a few days for a late
    arrival or a question, only the comparison's numbers are needed, not the face.
    """
    today = clock.now()
    past = [
        and_(
            Appointment.port_code == code,
            Appointment.day
            < today.astimezone(ZoneInfo(zone)).date() - timedelta(days=retention_days),
        )
        for code, zone in session.execute(select(Port.code, Port.timezone))
    ]
    if not past:
        return 0
    checks = list(
        session.scalars(
            select(LiveFaceCheck)
            .join(Appointment, Appointment.id == LiveFaceCheck.appointment_id)
            .where(
                or_(LiveFaceCheck.photo_kept.is_(True), LiveFaceCheck.pending_image.is_not(None)),
                or_(*past),
            )
            .order_by(LiveFaceCheck.id)
            .limit(limit)
        )
    )
    registered = set(
        session.scalars(
            select(Photo.sha256).where(Photo.sha256.in_([c.image_sha256 for c in checks]))
        )
    )
    for check in checks:
        if check.photo_kept and check.image_sha256 not in registered:
            store.delete(check.image_sha256)
        check.photo_kept = False
        check.pending_image = None
        if check.status == PENDING:
            check.status = EXPIRED
    session.flush()
    return len(checks)
