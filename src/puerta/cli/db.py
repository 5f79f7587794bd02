"""``puerta db``: the schema."""

from __future__ import annotations

import typer

from puerta import migrate
from puerta.cli import common
from puerta.dataset import pgindexes

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or upgrade the schema (SQLite by default, PUERTA_DATABASE_URL otherwise)."""
    url = common.settings().effective_database_url
    migrate.upgrade(url, revision)
    if revision == "head":
        # An import that died mid-way may have left indexes or keys set aside.
        db = common.database()
        try:
            with db.engine.begin() as conn:
                restored = pgindexes.repair(conn)
        finally:
            db.engine.dispose()
        if restored:
            typer.echo(f"restored after an interrupted import: {', '.join(restored)}")
    typer.echo(f"database at {revision}: {url.split('@')[-1]}")
