"""notifications: outbox messages of a selection's state change, once per kind and channel

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), server_default="email", nullable=False)
        )
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("selection_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("superseded_at", puerta.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_selection_id_selections"),
            "selections",
            ["selection_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_outbox_selection_id_kind_channel"),
            ["selection_id", "kind", "channel"],
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_selection_id_kind_channel"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_selection_id_selections"), type_="foreignkey"
        )
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("selection_id")
        batch_op.drop_column("kind")
        batch_op.drop_column("channel")
