"""The ``puerta`` command line. One module per command group, mounted here."""

from __future__ import annotations

import typer

from puerta.cli import arrivals as arrivals_cli
from puerta.cli import audit as audit_cli
from puerta.cli import dataset as dataset_cli
from puerta.cli import db as db_cli
from puerta.cli import demo as demo_cli
from puerta.cli import draw as draw_cli
from puerta.cli import faces as faces_cli
from puerta.cli import fairness as fairness_cli
from puerta.cli import i18n as i18n_cli
from puerta.cli import limits as limits_cli
from puerta.cli import liveness as liveness_cli
from puerta.cli import outbox as outbox_cli
from puerta.cli import partners as partners_cli
from puerta.cli import serve as serve_cli
from puerta.cli import staff as staff_cli
from puerta.cli import synth as synth_cli
from puerta.cli import trends as trends_cli
from puerta.cli import vetting as vetting_cli

app = typer.Typer(
    name="puerta",
    help="Advance submission and fair appointment scheduling at land ports of entry.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(arrivals_cli.app, name="arrivals")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(db_cli.app, name="db")
app.add_typer(demo_cli.app, name="demo")
app.add_typer(draw_cli.app, name="draw")
app.add_typer(faces_cli.app, name="faces")
app.add_typer(fairness_cli.app, name="fairness")
app.add_typer(i18n_cli.app, name="i18n")
app.add_typer(limits_cli.app, name="limits")
app.add_typer(liveness_cli.app, name="liveness")
app.add_typer(outbox_cli.app, name="outbox")
app.add_typer(partners_cli.app, name="partners")
app.add_typer(staff_cli.app, name="staff")
app.add_typer(synth_cli.app, name="synth")
app.add_typer(trends_cli.app, name="trends")
app.add_typer(vetting_cli.app, name="vetting")
dataset_cli.register(app)
app.command("serve")(serve_cli.serve)


if __name__ == "__main__":
    app()
