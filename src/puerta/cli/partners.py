"""``puerta partners``: partner organisations, their accounts, the audit trail and the
per-partner report."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from puerta.cli import common
from puerta.errors import InvalidValue
from puerta.i18n import render
from puerta.partners import audit, report, service
from puerta.partners.views import report_out
from puerta.registration.validation import clean_text, email_address

app = typer.Typer(help="Partner organisations (the assisted channel).", no_args_is_help=True)


def _valid(rule, value: str, **kwargs: object) -> str:  # type: ignore[no-untyped-def]
    """A field rule's answer, or its message and exit 1 (as the API's 422 would say)."""
    try:
        return rule(value, **kwargs)
    except InvalidValue as exc:
        config = common.settings()
        text = render(exc.message, exc.params, locale=config.default_language)
        typer.secho(f"error: {text}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


@app.command("create")
def create(
    name: str = typer.Option(..., help="The organisation's name (unique)."),
    inbox: str = typer.Option(..., help="Its shared inbox: mail for partner-held contacts."),
) -> None:
    """Create a partner organisation."""
    name = _valid(clean_text, name, max_len=120)
    inbox = _valid(email_address, inbox)
    with common.unit_of_work() as session:
        organisation = service.create_organisation(
            session, name=name, inbox=inbox, clock=common.clock()
        )
        typer.echo(
            f"created organisation {organisation.id} {organisation.name} <{organisation.inbox}>"
        )


@app.command("add-user")
def add_user(
    organisation: int = typer.Option(..., help="The organisation's id."),
    email: str = typer.Option(..., help="Sign-in email of the partner account."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
    ),
) -> None:
    """Create a partner account of an organisation (verified from the start)."""
    email = _valid(email_address, email)
    with common.unit_of_work() as session:
        user = service.create_partner_user(
            session,
            organisation_id=organisation,
            email=email,
            password=password,
            clock=common.clock(),
        )
        typer.echo(f"created partner {user.email} of organisation {organisation}")


@app.command("list")
def list_organisations() -> None:
    """Every partner organisation."""
    with common.unit_of_work() as session:
        for o in service.list_organisations(session):
            state = "active" if o.is_active else "suspended"
            typer.echo(f"{o.id}\t{o.name}\t{o.inbox}\t{state}")


@app.command("suspend")
def suspend(organisation: int = typer.Option(..., help="The organisation's id.")) -> None:
    """Stop an organisation's accounts acting; what it made stays the people's."""
    with common.unit_of_work() as session:
        o = service.set_active(
            session, organisation_id=organisation, active=False, clock=common.clock()
        )
        typer.echo(f"suspended {o.id} {o.name}")


@app.command("reinstate")
def reinstate(organisation: int = typer.Option(..., help="The organisation's id.")) -> None:
    """Let a suspended organisation act again."""
    with common.unit_of_work() as session:
        o = service.set_active(
            session, organisation_id=organisation, active=True, clock=common.clock()
        )
        typer.echo(f"reinstated {o.id} {o.name}")


@app.command("audit")
def audit_trail(
    organisation: int = typer.Option(None, help="Only this organisation."),
    last: int = typer.Option(50, min=1, max=1000, help="How many of the newest rows."),
) -> None:
    """The partner audit trail, newest first."""
    with common.unit_of_work() as session:
        for row in audit.trail(session, organisation_id=organisation, limit=last):
            actor = row.actor_id if row.actor_id is not None else "operator"
            detail = json.dumps(row.detail, sort_keys=True)
            typer.echo(
                f"{row.at:%Y-%m-%d %H:%M:%S}\torg {row.organisation_id}\t{actor}\t"
                f"{row.action}\t{row.registration_id or '-'}\t{detail}"
            )


@app.command("report")
def partner_report(
    start: datetime = typer.Option(..., formats=["%Y-%m-%d"], help="First day."),
    end: datetime = typer.Option(..., formats=["%Y-%m-%d"], help="Last day (at most 92 days)."),
    as_json: bool = typer.Option(False, "--json", help="The API's JSON instead of a table."),
) -> None:
    """Each partner's volumes per day beside everyone's; flagged days marked with !."""
    with common.unit_of_work() as session:
        built = report.build(
            session, start=start.date(), end=end.date(), settings=common.settings()
        )
    out = report_out(built)
    if as_json:
        typer.echo(out.model_dump_json(indent=2))
        return
    typer.echo(
        "day\torganisation\tregistrations\ttravelers\trequests\tselections\tshare\t"
        "peers\tbaseline\tflags"
    )
    for r in out.rows:
        mark = "!" if r.flags else " "
        typer.echo(
            f"{mark}{r.day}\t{r.organisation}\t{r.registrations}\t{r.travelers}\t{r.requests}\t"
            f"{r.selections}\t{r.share_of_registrations:.1%}\t{r.peers_median_registrations:g}\t"
            f"{r.baseline_registrations:g}\t{','.join(r.flags) or '-'}"
        )
    for day, v in out.totals.items():
        typer.echo(
            f" {day}\tall channels\t{v['registrations']}\t{v['travelers']}\t{v['requests']}\t"
            f"{v['selections']}"
        )
