"""``puerta audit``: the staff audit trail, exported for an inspector or an admin."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from puerta.audit import service as audit_service
from puerta.cli import common

app = typer.Typer(help="The staff audit trail.", no_args_is_help=True)


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="CSV file to write ('-' for standard output)."),
    since: str = typer.Option(None, "--since", help="First day (YYYY-MM-DD), inclusive."),
    until: str = typer.Option(None, "--until", help="Last day (YYYY-MM-DD), inclusive."),
    action: str = typer.Option(None, "--action", help="Only this action, e.g. photo.view."),
) -> None:
    """Write the audit rows (oldest first) as CSV: who, what, when, from where."""
    try:
        first = date.fromisoformat(since) if since else None
        last = date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {exc}") from None
    with common.database().read_only() as session:
        if str(out) == "-":
            n = audit_service.export_csv(
                session, sys.stdout, since=first, until=last, action=action
            )
        else:
            with out.open("w", newline="", encoding="utf-8") as fh:
                n = audit_service.export_csv(session, fh, since=first, until=last, action=action)
    typer.echo(f"{n} audit rows", err=True)
