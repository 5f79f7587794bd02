"""The live photo of a confirmation: kept in the photo store for the officer once the
face model has compared it, and deleted after the appointment day plus
``live_photo_retention_days`` (the comparison's numbers stay)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from puerta.accounts.models import Role
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.confirmation.models import Appointment
from puerta.faces import jobs
from puerta.faces import service as faces_service
from puerta.faces.matcher import FaceResult, FaceStatus
from puerta.faces.models import LiveFaceCheck
from puerta.web import scheduler
from tests.api_support import Api
from tests.arrivals.console_world import book


class NoFaces:
    """A face model that sees no face: enough to move a check through the job."""

    def encode(self, _image: bytes) -> FaceResult:
        return FaceResult(FaceStatus.NO_FACE)


def check_of(api: Api, code: str) -> LiveFaceCheck:
    with api.db.read_only() as s:
        check = s.scalar(
            select(LiveFaceCheck)
            .join(Appointment, Appointment.id == LiveFaceCheck.appointment_id)
            .where(Appointment.code == code)
        )
        assert check is not None
        s.expunge(check)
        return check


def test_the_live_photo_is_kept_for_the_officer_then_deleted(api: Api, settings: Settings) -> None:
    booked = book(api, settings)
    store = api.client.app.state.photos  # type: ignore[attr-defined]
    sys, hid = booked["SYS"], booked["HID"]
    checked = check_of(api, sys.code)
    jobs.check_live(
        api.db, checked.id, matcher=NoFaces(), photos=store, threshold=0.55, clock=api.clock
    )
    checked = check_of(api, sys.code)
    assert checked.status == "done"
    assert checked.pending_image is None  # off the row ...
    assert checked.photo_kept  # ... and in the photo store, by its content hash
    assert store.get(checked.image_sha256) == sys.live_photo
    api.staff_pages("o@sys.example", Role.OFFICER, "SYS")
    assert api.client.get(f"/staff/photos/live/{sys.code}").content == sys.live_photo

    # The arrival day (18 March) plus 3 days: still kept late on the 21st at both ports
    # (Hidalgo is on Central time); gone on the 22nd, with the one never compared.
    assert settings.live_photo_retention_days == 3
    last_day = FrozenClock(datetime(2026, 3, 22, 4, 59, tzinfo=UTC))  # 23:59 in Hidalgo
    with api.db.session() as s:
        kept = faces_service.forget_live_photos(s, store=store, retention_days=3, clock=last_day)
    assert kept == 0
    assert store.exists(checked.image_sha256)
    after = FrozenClock(datetime(2026, 3, 22, 12, 0, tzinfo=UTC))
    with api.db.session() as s:
        gone = faces_service.forget_live_photos(s, store=store, retention_days=3, clock=after)
    assert gone == 2
    assert not store.exists(checked.image_sha256)
    swept = check_of(api, sys.code)
    assert (swept.photo_kept, swept.verdict, swept.status) == (False, "no_face", "done")
    never = check_of(api, hid.code)
    assert (never.pending_image, never.status) == (None, faces_service.EXPIRED)
    missing = api.client.get(f"/staff/photos/live/{sys.code}")
    assert (missing.status_code, missing.json()["code"]) == (404, "staff.photo_not_found")
    with api.db.session() as s:  # nothing left to do
        assert faces_service.forget_live_photos(s, store=store, retention_days=3, clock=after) == 0


def test_the_scheduler_deletes_live_photos_past_their_retention(
    api: Api, settings: Settings
) -> None:
    booked = book(api, settings)
    app = api.client.app
    app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"face_batch_size": 0, "live_photo_retention_days": 0}
    )
    api.clock.set(datetime(2026, 3, 19, 12, 0, tzinfo=UTC))  # the 19th at both ports
    done = scheduler.run_once(app)  # type: ignore[arg-type]
    assert "deleted 2 live photos past their retention" in done
    assert check_of(api, booked["SYS"].code).pending_image is None
