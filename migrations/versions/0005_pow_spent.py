"""proof of work: the solved challenges already spent, until they expire

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pow_spent",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_index(op.f("ix_pow_spent_expires_at"), "pow_spent", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pow_spent_expires_at"), table_name="pow_spent")
    op.drop_table("pow_spent")
