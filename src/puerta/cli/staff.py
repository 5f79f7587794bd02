"""``puerta staff``: accounts for officers, analysts and admins, and their second factor."""

from __future__ import annotations

import typer

from puerta.accounts import second_factor
from puerta.accounts import service as accounts_service
from puerta.accounts.models import Role
from puerta.cli import common
from puerta.errors import StaffNotFound
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
    """Create a staff account (verified from the start; its second factor is set up at
    its first sign-in)."""
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
    typer.echo(
        "  second factor: set up at the first sign-in on /staff/sign-in (an authenticator "
        "app scans a QR code; ten recovery codes are shown once)"
    )


@app.command("reset-second-factor")
def reset_second_factor(
    email: str = typer.Option(..., "--email", help="The staff account's sign-in email."),
) -> None:
    """Remove a staff account's second factor and recovery codes and end its sessions (a
    lost phone, a lock to lift): it enrols again at its next sign-in. Audited as
    staff.second_factor_reset."""
    with common.unit_of_work() as session:
        user = accounts_service.find_user(session, email)
        if user is None or not second_factor.is_staff(user):
            raise StaffNotFound(email=email)
        had = second_factor.reset(session, user=user, actor=None, clock=common.clock())
    typer.echo(
        f"{'reset' if had else 'no second factor to reset for'} {user.email}: sessions ended; "
        "it sets up a new second factor at its next sign-in"
    )


@app.command("list")
def list_staff() -> None:
    """Every staff account: email, role, port, whether its second factor is set up, and
    whether it is active."""
    with common.database().read_only() as session:
        accounts = second_factor.staff_accounts(session)
    typer.echo("email\trole\tport\tsecond factor\tactive")
    for a in accounts:
        typer.echo(
            f"{a.email}\t{a.role}\t{a.port_code or '-'}\t"
            f"{'yes' if a.enrolled else 'no'}\t{'yes' if a.active else 'no'}"
        )
