"""``puerta draw``: commit, run, publish and verify the daily draw; expire lapsed offers."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from puerta.cli import common
from puerta.confirmation import service as confirmation_service
from puerta.draw import commitment as cm
from puerta.draw import publication
from puerta.draw import service as draw_service

app = typer.Typer(help="The daily draw.", no_args_is_help=True)

DateOption = Annotated[
    datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="Pool date (YYYY-MM-DD).")
]


@app.command("commit")
def commit(date: DateOption) -> None:
    """Publish the seed commitment for DATE (before its window opens). Idempotent."""
    with common.unit_of_work() as session:
        row = publication.commit(
            session, pool_date=date.date(), settings=common.settings(), clock=common.clock()
        )
        late = " (LATE: after the window opened)" if row.late else ""
        typer.echo(f"commitment for {row.pool_date}: {row.seed_commitment}{late}")


@app.command("run")
def run(date: DateOption) -> None:
    """Draw the pool of DATE (after its window has closed). A drawn day is final."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with common.unit_of_work() as session:
        draw = draw_service.run_draw(
            session,
            pool_date=date.date(),
            settings=common.settings(),
            clock=common.clock(),
            timings=timings,
        )
        committing = time.perf_counter()
        typer.echo(
            f"drew {draw.pool_date}: pool {draw.pool_size} requests, "
            f"{draw.seats_offered} seats offered for {draw.appointment_date} "
            f"(algorithm {draw.algorithm}, seed {draw.seed_hex[:16]}...)"
        )
        for warning in draw.warnings or []:
            typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW)
    timings["commit"] = time.perf_counter() - committing
    steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in timings.items())
    typer.echo(f"timings: {steps}; total {time.perf_counter() - started:.2f} s")


@app.command("publish")
def publish(
    date: DateOption,
    out: Annotated[Path | None, typer.Option(help="Write the JSON here.")] = None,
) -> None:
    """Print (or write) DATE's published artefacts as JSON, as the public endpoint serves them."""
    with common.unit_of_work() as session:
        text = json.dumps(publication.artefacts(session, date.date()), sort_keys=True)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n")
        typer.echo(f"wrote {out}")


@app.command("verify")
def verify(
    date: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Verify this day from the database."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Verify offline from a JSON file of published artefacts."),
    ] = None,
) -> None:
    """Recompute a draw from its published artefacts; exit 1 listing problems if they differ."""
    if (date is None) == (file is None):
        typer.secho("error: give exactly one of --date or --file", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if file is not None:
        try:
            published = cm.PublishedDraw.from_json(file.read_text())
        except (OSError, ValueError, TypeError) as exc:
            typer.secho(f"error: cannot read {file}: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
    else:
        assert date is not None
        with common.unit_of_work() as session:
            published = publication.published_draw(session, date.date())
    report = cm.verify(published)
    for name, passed in report.checks.items():
        typer.echo(f"{'ok  ' if passed else 'FAIL'}  {name}")
    for warning in report.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW)
    for problem in report.problems:
        typer.secho(f"problem: {problem}", fg=typer.colors.RED)
    selected = len(published.selected)
    if not report.ok:
        typer.secho(f"{published.pool_date}: DOES NOT VERIFY", fg=typer.colors.RED)
        raise typer.Exit(1)
    typer.echo(
        f"{published.pool_date}: verified: {len(published.records)} records, "
        f"{selected} entrants selected, recomputed identically"
    )


@app.command("expire")
def expire() -> None:
    """Expire offers past their deadline; seats return and each person is told."""
    with common.unit_of_work() as session:
        count = confirmation_service.expire_overdue(
            session, settings=common.settings(), clock=common.clock()
        )
        typer.echo(f"expired {count} offers")


@app.command("remind")
def remind() -> None:
    """Tell, once, each person whose offer's deadline is near (notify_deadline_hours)."""
    with common.unit_of_work() as session:
        count = confirmation_service.remind_deadlines(
            session, settings=common.settings(), clock=common.clock()
        )
        typer.echo(f"reminded {count} offers")
