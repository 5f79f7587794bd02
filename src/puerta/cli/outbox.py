"""``puerta outbox``: read the messages kept in the outbox; ``puerta outbox send`` delivers
the pending mail (SMTP backend) and SMS (gateway backend), as the scheduler does every
minute."""

from __future__ import annotations

import typer
from sqlalchemy import select

from puerta.accounts import mail
from puerta.accounts.models import OutboxMessage
from puerta.cli import common
from puerta.notify import channels

app = typer.Typer(
    help="The outbox: mail and SMS written by requests and jobs.", invoke_without_command=True
)


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
            via = "" if message.channel == channels.EMAIL else f" ({message.channel})"
            typer.echo(
                f"{message.created_at:%Y-%m-%d %H:%M} to {message.to_address}{via}: "
                f"{message.subject}\n  {message.body}"
            )


@app.command("send")
def send() -> None:
    """Deliver the unsent mail and SMS now (the scheduler does it every minute)."""
    db, settings, clock = common.database(), common.settings(), common.clock()
    sent, failed = mail.deliver_pending(db, settings=settings, clock=clock)
    typer.echo(f"{sent} sent, {failed} to retry")
    if settings.sms_backend == "gateway":
        sent, failed = channels.deliver_pending_sms(db, settings=settings, clock=clock)
        typer.echo(f"sms: {sent} sent, {failed} to retry")
