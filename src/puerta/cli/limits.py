"""``puerta limits``: the shared limits' housekeeping."""

from __future__ import annotations

import typer

from puerta.accounts import throttle
from puerta.cli import common
from puerta.limits import store

app = typer.Typer(help="The shared limits (caps and the sign-in throttle).", no_args_is_help=True)


@app.command()
def sweep() -> None:
    """Delete stale limit counters and sign-in throttle rows (the scheduler does it every
    pass); prints how many of each went."""
    now = common.clock().now()
    with common.unit_of_work() as session:
        counters = store.sweep(session, now)
        throttled = throttle.sweep(session, now)
    typer.echo(f"swept {counters} limit counters and {throttled} sign-in throttle rows")
