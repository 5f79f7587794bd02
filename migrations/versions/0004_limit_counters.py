"""limit counters shared by every worker; the sign-in throttle's sweep index

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "limit_counters",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start"),
    )
    op.create_index("ix_limit_counters_expires_at", "limit_counters", ["expires_at"])
    op.create_index("ix_sign_in_throttle_last_failed_at", "sign_in_throttle", ["last_failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_throttle_last_failed_at", table_name="sign_in_throttle")
    op.drop_index("ix_limit_counters_expires_at", table_name="limit_counters")
    op.drop_table("limit_counters")
