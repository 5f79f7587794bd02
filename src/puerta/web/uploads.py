"""Reading uploads without trusting their declared size."""

from __future__ import annotations

from fastapi import UploadFile

from puerta.errors import UploadTooLarge


def read_upload(upload: UploadFile, max_bytes: int, *, field: str) -> bytes:
    """Read at most ``max_bytes``; one byte more and the upload is refused with 413.

    Called from sync endpoints (run in the thread pool), on the spooled file.
    """
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadTooLarge(limit_mb=round(max_bytes / 1e6, 1), field=field)
    return data
