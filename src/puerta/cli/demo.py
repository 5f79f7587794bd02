"""``puerta demo``: synthetic demo data for a local run."""

from __future__ import annotations

import typer

from puerta import demo
from puerta.cli import common
from puerta.config import Settings
from puerta.registration.photos import FileSystemPhotoStore

app = typer.Typer(help="Demo data (synthetic).", no_args_is_help=True)

#: About 1,600 registrations: realistic names and addresses with a planted
#: pattern or two (shared addresses, a bot burst, duplicates), in seconds.
POPULATION_SCALE = 0.001


@app.command("load")
def load(
    population: bool = typer.Option(
        True, help="Also import a small synthetic population and analyse it."
    ),
) -> None:
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
    typer.echo(
        f"  staff second factor (TOTP, every demo staff account): {demo.STAFF_TOTP_SECRET}"
        '\n    add it to an authenticator app, or: python -c "import pyotp; '
        f"print(pyotp.TOTP('{demo.STAFF_TOTP_SECRET}').now())\""
    )
    if summary.appointment_day:
        typer.echo(f"  appointments booked for {summary.appointment_day.isoformat()}")
    _faces(settings)
    if population:
        _population()


def _faces(settings: Settings) -> None:
    """Run the face model over the demo's photos now, so the officers' views show what it
    found rather than "not compared yet": the demo's portraits are drawn shapes, not
    faces, so every comparison says "no face found: compare them by eye"."""
    from puerta.faces import jobs
    from puerta.faces.matcher import DlibMatcher

    db = common.database()
    try:
        counts = jobs.process_pending(
            db,
            matcher=DlibMatcher(),
            photos=FileSystemPhotoStore(settings.photo_dir),
            threshold=settings.face_match_threshold,
            clock=common.clock(),
            limit=10_000,
        )
    finally:
        db.engine.dispose()
    if counts:
        typer.echo(
            f"  faces: {counts.photos} photos encoded, {counts.live} live photos compared; "
            "the demo's portraits are drawn shapes, not faces, so officers see "
            '"No face found ...: compare them by eye", never a match'
        )


@app.command("draw")
def draw() -> None:
    """Close today's open pool now and draw it: a demo store only (see the README)."""
    settings = common.settings()
    with common.unit_of_work() as session:
        done = demo.draw_now(session, settings=settings, clock=common.clock())
    day = done.pool_date.isoformat()
    typer.echo(
        f"drew the pool of {day}: {done.pool_size} requests, {done.seats_offered} seats offered"
    )
    typer.echo(f"  verify it: puerta draw verify --date {day}")


def _population() -> None:
    """Generate (once), import (idempotent) and analyse the synthetic population."""
    from puerta.dataset.importer import import_dataset
    from puerta.synth.generator import generate
    from puerta.trends import job

    settings = common.settings()
    out = settings.data_dir / "demo-population"
    if not (out / "manifest.json").exists():
        generate("oig-2023", POPULATION_SCALE, seed=1, out_dir=out)
    db = common.database()
    try:
        stats = import_dataset(db, out, settings=settings, rejects=out / "rejects.csv")
        if stats.registrations_loaded:
            _, counts = job.run(db, clock=common.clock())
            typer.echo(
                f"  synthetic population: {stats.registrations_loaded:,} registrations, "
                f"{counts.created:,} findings for analysts"
            )
    finally:
        db.engine.dispose()
