"""The pages' device id: a random value in a long-lived cookie, ``puerta_device``.

Why: the per-device caps (``limits.caps``) and the trend analysis's device signals need
the same thing from a browser that an app sends as ``device_id``. It is no proof of
anything (clearing cookies makes a new device); the caps per address and the
proof-of-work carry the rest. It is set by the forms that use it (sign-up, the
registration's travelers and its check page), and a page registration records it as
its ``device_id``.
"""

from __future__ import annotations

import re
import secrets

from fastapi import Request, Response

DEVICE_COOKIE = "puerta_device"
DEVICE_SECONDS = 400 * 24 * 3600  # the longest a browser keeps a cookie
_OURS = re.compile(r"[A-Za-z0-9_-]{16,64}")


def page_device(request: Request) -> str | None:
    """This browser's device id, when it holds one of ours."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if _OURS.fullmatch(value) else None


def keep_device(request: Request, response: Response) -> Response:
    """Give the browser a device id if it has none."""
    if page_device(request) is None:
        response.set_cookie(
            DEVICE_COOKIE,
            "D" + secrets.token_urlsafe(18),
            max_age=DEVICE_SECONDS,
            httponly=True,
            samesite="lax",
            path="/",
        )
    return response
