"""``puerta serve``: the web application, on uvicorn workers under gunicorn."""

from __future__ import annotations

import os

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int | None = typer.Option(
        None, min=0, help="Worker processes (default: the workers setting; 0: one per core)."
    ),
    scheduler: bool | None = typer.Option(
        None,
        "--scheduler/--no-scheduler",
        help="Run the daily draw and expiry in-process (default: on, unless "
        "PUERTA_SCHEDULER_ENABLED says otherwise); one process per store leads.",
    ),
) -> None:
    """Serve the web application and API until SIGTERM (drains, then exits 0)."""
    # The workers read their settings from the environment after the fork.
    if scheduler is None:
        os.environ.setdefault("PUERTA_SCHEDULER_ENABLED", "true")
    else:
        os.environ["PUERTA_SCHEDULER_ENABLED"] = "true" if scheduler else "false"
    from puerta.config import get_settings
    from puerta.web import server

    get_settings.cache_clear()
    server.run(get_settings(), host=host, port=port, workers=workers)
