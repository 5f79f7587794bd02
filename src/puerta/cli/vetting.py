"""``puerta vetting run``: check every upcoming traveler against the watch list now.

The scheduler vets what is due each pass (``vetting_batch_size``); this command
checks every upcoming appointment at once, e.g. after the list was replaced, and
prints how many of each result. It writes the audit's ``watchlist.load`` and
``vetting.run`` rows, with no actor (an operator on the server, not a staff account).
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from puerta.cli import common

app = typer.Typer(help="Pre-arrival vetting against the watch list.", no_args_is_help=True)


@app.command("run")
def run(
    list_path: Path | None = typer.Option(
        None, "--list", help="The watch list file (default: the watch_list_path setting)."
    ),
) -> None:
    """Vet every upcoming appointment's travelers against the watch list; print the counts."""
    from puerta.i18n import render
    from puerta.vetting import messages, service, watchlist

    settings = common.settings()
    path = list_path or settings.watch_list_path
    if path is None:
        typer.secho(
            "error: no watch list: give --list or set PUERTA_WATCH_LIST_PATH",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    started = time.perf_counter()
    clock = common.clock()
    with common.unit_of_work() as session:
        loaded = watchlist.load(path)
        service.audit_load(session, loaded, clock=clock, trigger="cli")
        counts = service.run(
            session,
            source=loaded,
            clock=clock,
            timezone=settings.timezone,
            trigger="cli",
            everything=True,
        )
    results = counts.to_json()["results"]
    typer.echo(
        f"list {loaded.version[:12]} ({len(loaded.records)} records): "
        f"{counts.appointments} appointments, {counts.travelers} travelers vetted in "
        f"{time.perf_counter() - started:.1f} s"
    )
    for result, n in results.items():
        name = render(messages.result_name(result), {}, locale=settings.default_language)
        typer.echo(f"  {name}: {n}")
