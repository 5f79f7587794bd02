"""sign-in throttle: consecutive wrong passwords per account and per address

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paused_until", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("told_at", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
