"""``puerta demo``: synthetic demo data for a local run."""

from __future__ import annotations

import typer

from puerta import demo
from puerta.cli import common
from puerta.registration.photos import FileSystemPhotoStore

app = typer.Typer(help="Demo data (synthetic).", no_args_is_help=True)


@app.command("load")
def load() -> None:
    """Load the demo world once and print the demo credentials."""
    settings = common.settings()
    with common.unit_of_work() as session:
        summary = demo.load(
            session,
            settings=settings,
            clock=common.clock(),
            store=FileSystemPhotoStore(settings.photo_dir),
        )
    typer.echo("demo data " + ("loaded" if summary.created else "already present"))
    typer.echo(f"  applicant: {summary.applicant[0]} / {summary.applicant[1]}")
    typer.echo(f"  analyst:   {summary.analyst[0]} / {summary.analyst[1]}")
    for email, password, port in summary.officers:
        typer.echo(f"  officer {port}: {email} / {password}")
    if summary.appointment_day:
        typer.echo(f"  appointments booked for {summary.appointment_day.isoformat()}")
