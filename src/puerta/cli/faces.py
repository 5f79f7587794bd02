"""``puerta faces run``: encode registered photos and compare live photos now (the
scheduler does a batch each pass; this catches up, e.g. after the trends job is due)."""

from __future__ import annotations

import time

import typer

from puerta.cli import common

app = typer.Typer(
    help="The face model: encodings and live-photo comparisons.", no_args_is_help=True
)


@app.command("run")
def run(
    limit: int = typer.Option(1000, min=1, help="Photos to encode (and live photos to compare)."),
) -> None:
    """Encode the registered photos not yet encoded and compare the pending live photos."""
    from puerta.faces import jobs
    from puerta.faces.matcher import DlibMatcher
    from puerta.registration.photos import FileSystemPhotoStore

    settings = common.settings()
    db = common.database()
    started = time.perf_counter()
    try:
        counts = jobs.process_pending(
            db,
            matcher=DlibMatcher(),
            photos=FileSystemPhotoStore(settings.photo_dir),
            threshold=settings.face_match_threshold,
            clock=common.clock(),
            limit=limit,
        )
    finally:
        db.engine.dispose()
    typer.echo(
        f"{counts.photos} photos encoded, {counts.live} live photos compared "
        f"in {time.perf_counter() - started:.1f} s"
    )
