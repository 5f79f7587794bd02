"""``puerta i18n``: the message catalogs a translator works on."""

from __future__ import annotations

import typer

from puerta.i18n import extract as extractor

app = typer.Typer(help="Message catalogs: extract the template translators work from.")


@app.command("extract")
def extract(
    check: bool = typer.Option(
        False,
        "--check",
        help="Only check that messages.pot and staff.pot are up to date (exit 1 if not).",
    ),
) -> None:
    """Write src/puerta/i18n/locales/messages.pot (the applicants' pages, errors and mail)
    and staff.pot (the staff pages) from every message marked in the code."""
    if check:
        stale = False
        for domain, catalog in extractor.split(extractor.extract_all()).items():
            path = extractor.TEMPLATES[domain]
            fresh = extractor.entries(catalog)
            stored = extractor.entries(extractor.read_template(path)) if path.is_file() else set()
            for context, msgid in sorted(fresh - stored, key=str):
                typer.echo(f"+ {path.name} [{context}] {msgid}")
            for context, msgid in sorted(stored - fresh, key=str):
                typer.echo(f"- {path.name} [{context}] {msgid}")
            stale = stale or fresh != stored
            typer.echo(f"{path.name}: {len(fresh)} messages.")
        if stale:
            typer.echo("a template is out of date: run `puerta i18n extract`.", err=True)
            raise typer.Exit(1)
        return
    for domain, count in extractor.write_templates().items():
        typer.echo(f"wrote {extractor.TEMPLATES[domain]} ({count} messages)")
