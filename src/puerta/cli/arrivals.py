"""``puerta arrivals no-shows``: mark the groups that did not come as no-shows now (the
scheduler does it every pass; this catches up a day, e.g. with the scheduler off)."""

from __future__ import annotations

from datetime import datetime

import typer

from puerta.cli import common

app = typer.Typer(help="Arrivals at the ports: check-in and dispositions.", no_args_is_help=True)


@app.command("no-shows")
def no_shows(
    day: datetime | None = typer.Option(
        None, "--day", formats=["%Y-%m-%d"], help="Only this appointment day (YYYY-MM-DD)."
    ),
    port: str | None = typer.Option(None, "--port", help="Only this port (its code)."),
) -> None:
    """Mark every group still expected after its port's closing time a no-show."""
    from puerta.arrivals import checkin

    with common.unit_of_work() as session:
        marked = checkin.mark_no_shows(
            session,
            now=common.clock().now(),
            day=day.date() if day else None,
            port_code=port,
        )
    typer.echo(f"{marked} groups marked no-show")
