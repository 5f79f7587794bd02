"""``puerta outbox``: read mail that the embedded mail backend kept (demo and tests)."""

from __future__ import annotations

import typer
from sqlalchemy import select

from puerta.accounts.models import OutboxMessage
from puerta.cli import common


def outbox(
    to: str = typer.Option(None, help="Only mail to this address."),
    last: int = typer.Option(5, min=1, help="How many of the newest messages."),
) -> None:
    """Print the newest messages in the outbox."""
    with common.unit_of_work() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(last)
        if to:
            query = query.where(OutboxMessage.to_address == to.lower())
        for message in session.scalars(query):
            typer.echo(
                f"{message.created_at:%Y-%m-%d %H:%M} to {message.to_address}: "
                f"{message.subject}\n  {message.body}"
            )
