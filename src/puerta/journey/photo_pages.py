"""Each traveler's photo, as a page: the camera or a file, then the server's verdict as advice.

The upload is the API's use case (``journey.views.set_photo_released``). The
browser shrinks a picture before it is sent (``static/shrink.js``); without
JavaScript the phone's own file is sent. A photo that cannot be used comes back
as advice in the person's words ("too small", "not a photo"), never a raw error,
and trying again costs nothing. A dark photo is kept, with advice to retake it:
refusing imperfect photos is what kept people retrying for hours (OIG-24-48), and
a child's photo need not be perfect.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puerta.errors import (
    PhotoEmpty,
    PhotoNotJpegOrPng,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoTooSmall,
    PhotoUnreadable,
    PuertaError,
    UploadTooLarge,
)
from puerta.i18n import M, Message
from puerta.journey.views import set_photo_released
from puerta.registration import service as registration_service
from puerta.registration.deps import PhotoStoreDep
from puerta.registration.models import Registration
from puerta.web import forms
from puerta.web.deps import ClockDep, Public, ReadSession, RequestWork, SettingsDep
from puerta.web.language import say
from puerta.web.page_auth import Reader, signed_in, to_sign_in
from puerta.web.pages import page
from puerta.web.uploads import read_upload

router = APIRouter(include_in_schema=False, dependencies=[Public])

NOT_A_PHOTO = M(
    "page.photo.not_a_photo",
    "This file is not a photo Puerta can read. Take a new photo with the camera, or choose a "
    "picture (JPEG or PNG).",
)
TOO_LARGE = M(
    "page.photo.too_large",
    "This photo is too big to send. Take it again with the camera, or choose a smaller picture.",
)
#: The service's refusals of a photo, as advice for the person who took it.
ADVICE: dict[type[PuertaError], Message] = {
    UploadTooLarge: TOO_LARGE,
    PhotoTooLarge: TOO_LARGE,
    PhotoTooSmall: M(
        "page.photo.too_small",
        "This photo is too small for the officer to see the face. Take it closer, so the face "
        "fills most of the picture.",
    ),
    PhotoEmpty: NOT_A_PHOTO,
    PhotoNotJpegOrPng: NOT_A_PHOTO,
    PhotoUnreadable: NOT_A_PHOTO,
    PhotoTooManyPixels: NOT_A_PHOTO,
}
NO_FILE = M("page.photo.no_file", "Take a photo or choose one first, then send it.")
DARK = M(
    "page.photo.dark",
    "The photo is saved, but it looks dark. If you can, take it again facing a window or a "
    "light. If not, this one will do.",
)
SAVED = M("page.photo.saved", "The photo is saved.")


def _photos_page(
    request: Request,
    reader: Reader,
    registration: Registration,
    *,
    number: int | None = None,
    advice: str | None = None,
    saved: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    travelers = [
        {
            "number": t.position + 1,
            "name": f"{t.given_names} {t.family_names}",
            "has_photo": t.photo_sha256 is not None,
        }
        for t in registration.travelers
    ]
    return page(
        request,
        "journey/photos.html",
        {
            "registration_id": registration.id,
            "travelers": travelers,
            "complete": registration_service.is_complete(registration),
            "number": number,
            "advice": advice,
            "saved": saved,
            "token": reader.token,
        },
        status=status,
    )


@router.get("/registrations/{registration_id}/photos", response_class=HTMLResponse)
def photos_page(
    registration_id: str,
    request: Request,
    db: ReadSession,
    clock: ClockDep,
    saved: int | None = None,
    dark: bool = False,
) -> Response:
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    registration = registration_service.get_owned(
        db, registration_id=registration_id, owner=reader.user
    )
    note = None if saved is None else say(request, DARK if dark else SAVED)
    return _photos_page(request, reader, registration, number=saved, saved=note)


@router.post("/registrations/{registration_id}/photos/{number}", response_class=HTMLResponse)
def send_photo(
    registration_id: str,
    number: int,
    request: Request,
    work: RequestWork,
    store: PhotoStoreDep,
    settings: SettingsDep,
    clock: ClockDep,
    photo: UploadFile | None = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Traveler ``number``'s photo (1-based), then back to the list with the verdict."""
    db = work.session
    reader = signed_in(request, db, clock)
    if reader is None:
        return to_sign_in()
    registration = registration_service.get_owned(
        db, registration_id=registration_id, owner=reader.user
    )

    def again(text: str) -> HTMLResponse:
        return _photos_page(request, reader, registration, number=number, advice=text, status=400)

    if not forms.token_ok(request, csrf_token, reader.token):
        return again(forms.expired(request).form[0])
    if photo is None or not photo.filename:
        return again(say(request, NO_FILE))
    try:
        data = read_upload(photo, settings.photo_max_bytes, field="photo")
        _, checked = set_photo_released(
            work,
            registration_id=registration_id,
            owner=reader.user,
            position=number - 1,
            data=data,
            store=store,
            settings=settings,
            clock=clock,
        )
    except PuertaError as exc:
        forms.refused(request, exc)
        advice = ADVICE.get(type(exc))
        registration = registration_service.get_owned(
            db, registration_id=registration_id, owner=reader.user
        )
        return again(say(request, advice) if advice else say(request, exc.message, exc.params))
    dark = "&dark=1" if checked.looks_dark else ""
    return RedirectResponse(
        f"/registrations/{registration_id}/photos?saved={number}{dark}", status_code=303
    )
