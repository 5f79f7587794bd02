"""What every command shares: settings, the database, the clock, and error exits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from puerta.clock import SystemClock
from puerta.config import Settings, get_settings
from puerta.db import Database
from puerta.errors import PuertaError
from puerta.i18n import render


def settings() -> Settings:
    return get_settings()


def database() -> Database:
    return Database(get_settings().effective_database_url)


def clock() -> SystemClock:
    return SystemClock()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for one command; a domain error exits 1 with its message."""
    db = database()
    try:
        with db.session() as session:
            yield session
    except PuertaError as exc:
        config = get_settings()
        text = render(exc.message, exc.params, locale=config.default_language, tz=config.timezone)
        typer.secho(f"error: {text}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    finally:
        db.engine.dispose()
