"""``puerta draw``: run and inspect the daily draw; expire lapsed offers."""

from __future__ import annotations

from datetime import datetime

import typer

from puerta.cli import common
from puerta.confirmation import service as confirmation_service
from puerta.draw import service as draw_service

app = typer.Typer(help="The daily draw.", no_args_is_help=True)


@app.command("run")
def run(
    date: datetime = typer.Option(..., formats=["%Y-%m-%d"], help="Pool date (YYYY-MM-DD)."),
) -> None:
    """Draw the pool of DATE (after its window has closed). A drawn day is final."""
    with common.unit_of_work() as session:
        draw = draw_service.run_draw(
            session, pool_date=date.date(), settings=common.settings(), clock=common.clock()
        )
        typer.echo(
            f"drew {draw.pool_date}: pool {draw.pool_size} requests, "
            f"{draw.seats_offered} seats offered for {draw.appointment_date} "
            f"(algorithm {draw.algorithm}, seed {draw.seed_hex[:16]}...)"
        )


@app.command("expire")
def expire() -> None:
    """Expire offers past their deadline; their seats return."""
    with common.unit_of_work() as session:
        count = confirmation_service.expire_overdue(session, clock=common.clock())
        typer.echo(f"expired {count} offers")
