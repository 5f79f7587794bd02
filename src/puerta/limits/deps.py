"""The limits store the application holds, as a request dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from puerta.limits.store import LimitStore


async def _limits(request: Request) -> LimitStore:
    return request.app.state.limits


LimitsDep = Annotated[LimitStore, Depends(_limits)]
