"""Every feature's router, mounted by create_app(). Add a feature by adding a line."""

from __future__ import annotations

from fastapi import APIRouter


def feature_routers() -> list[APIRouter]:
    """Imported lazily so that importing the web package stays cheap."""
    routers: list[APIRouter] = []
    return routers
