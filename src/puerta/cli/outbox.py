"""``puerta outbox``: read the mail kept in the outbox; ``puerta outbox send`` delivers
the SMTP backend's pending mail (what the scheduler does every minute)."""

from __future__ import annotations

import typer
from sqlalchemy import select

from puerta.accounts import mail
from puerta.accounts.models import OutboxMessage
from puerta.cli import common

app = typer.Typer(help="The outbox: mail written by requests.", invoke_without_command=True)


@app.callback()
def outbox(
    ctx: typer.Context,
    to: str = typer.Option(None, help="Only mail to this address."),
    last: int = typer.Option(5, min=1, help="How many of the newest messages."),
) -> None:
    """Print the newest messages in the outbox."""
    if ctx.invoked_subcommand is not None:
        return
    with common.unit_of_work() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(last)
        if to:
            query = query.where(OutboxMessage.to_address == to.lower())
        for message in session.scalars(query):
            typer.echo(
                f"{message.created_at:%Y-%m-%d %H:%M} to {message.to_address}: "
                f"{message.subject}\n  {message.body}"
            )


@app.command("send")
def send() -> None:
    """Deliver the SMTP backend's unsent mail now (the scheduler does it every minute)."""
    sent, failed = mail.deliver_pending(
        common.database(), settings=common.settings(), clock=common.clock()
    )
    typer.echo(f"{sent} sent, {failed} to retry")
