"""``puerta i18n``: the message catalogs a translator works on."""

from __future__ import annotations

import typer

from puerta.i18n import extract as extractor

app = typer.Typer(help="Message catalogs: extract the template translators work from.")


@app.command("extract")
def extract(
    check: bool = typer.Option(
        False, "--check", help="Only check that messages.pot is up to date (exit 1 if not)."
    ),
) -> None:
    """Write src/puerta/i18n/locales/messages.pot from every message marked in the code."""
    if check:
        fresh = extractor.entries(extractor.extract())
        stored = extractor.entries(extractor.read_template())
        if fresh != stored:
            added, gone = sorted(fresh - stored), sorted(stored - fresh)
            for context, msgid in added:
                typer.echo(f"+ [{context}] {msgid}")
            for context, msgid in gone:
                typer.echo(f"- [{context}] {msgid}")
            typer.echo("messages.pot is out of date: run `puerta i18n extract`.", err=True)
            raise typer.Exit(1)
        typer.echo(f"messages.pot is up to date ({len(fresh)} messages).")
        return
    count = extractor.write_template()
    typer.echo(f"wrote {extractor.TEMPLATE} ({count} messages)")
