"""``puerta staff``: accounts for officers, analysts and admins."""

from __future__ import annotations

import typer

from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role
from puerta.cli import common
from puerta.ports import service as ports_service

app = typer.Typer(help="Staff accounts.", no_args_is_help=True)


@app.command("create")
def create(
    email: str = typer.Option(..., help="Sign-in email."),
    role: Role = typer.Option(..., help="officer, analyst or admin."),
    port: str = typer.Option(None, help="Port code (officers only)."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
    ),
) -> None:
    """Create a staff account (verified from the start)."""
    with common.unit_of_work() as session:
        ports_service.ensure_ports(session, common.settings())
        user = accounts_service.create_staff(
            session,
            email=email,
            password=password,
            role=role,
            port_code=port,
            clock=common.clock(),
        )
        typer.echo(f"created {user.role} {user.email}" + (f" at {user.port_code}" if port else ""))
