"""The ``puerta`` command line. One module per command group, mounted here."""

from __future__ import annotations

import typer

from puerta.cli import db as db_cli

app = typer.Typer(
    name="puerta",
    help="Advance submission and fair appointment scheduling at land ports of entry.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cli.app, name="db")


if __name__ == "__main__":
    app()
