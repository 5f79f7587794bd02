"""Registration's own request dependency: the photo store the application holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from puerta.registration.photos import PhotoStore


def _photos(request: Request) -> PhotoStore:
    return request.app.state.photos


PhotoStoreDep = Annotated[PhotoStore, Depends(_photos)]
