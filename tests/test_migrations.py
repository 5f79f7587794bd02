"""Alembic owns the schema: the migrations must build exactly what the models say."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from puerta.db import Base, Database, load_all_models


def test_migrations_match_models(db: Database) -> None:
    load_all_models()
    with db.session() as s:
        diff = compare_metadata(MigrationContext.configure(s.connection()), Base.metadata)
    assert diff == []
