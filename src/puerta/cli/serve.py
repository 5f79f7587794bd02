"""``puerta serve``: the web application."""

from __future__ import annotations

import os

import typer
import uvicorn


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    scheduler: bool = typer.Option(True, help="Run the daily draw and expiry in-process."),
) -> None:
    """Serve the web application and API."""
    os.environ.setdefault("PUERTA_SCHEDULER_ENABLED", "true" if scheduler else "false")
    from puerta import logs
    from puerta.config import get_settings

    get_settings.cache_clear()
    uvicorn.run(
        "puerta.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level="info",
        # One line a request from puerta.access (no personal data); uvicorn's own is off.
        log_config=logs.dict_config(get_settings().log_format),
        access_log=False,
    )
