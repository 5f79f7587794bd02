"""Confirmation's own request dependency: the liveness provider the application holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from puerta.confirmation.liveness import LivenessProvider


def _liveness(request: Request) -> LivenessProvider:
    return request.app.state.liveness


LivenessDep = Annotated[LivenessProvider, Depends(_liveness)]
