"""The limits store the application holds, as a request dependency."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from puerta.limits.store import LimitStore


async def _limits(request: Request) -> LimitStore:
    return request.app.state.limits


LimitsDep = Annotated[LimitStore, Depends(_limits)]

#: The OpenAPI answer of a capped route (``limits.caps``).
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Over a cap: wait `Retry-After` seconds (problem+json, `limit.*`).",
        "content": {"application/problem+json": {}},
    }
}
