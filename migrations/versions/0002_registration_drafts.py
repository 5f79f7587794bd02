"""registration drafts: the pages' registration, kept server-side until it is sent

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_drafts",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("travelers", sa.JSON(), nullable=False),
        sa.Column("created_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["auth_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index(
        op.f("ix_registration_drafts_owner_id"), "registration_drafts", ["owner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_registration_drafts_owner_id"), table_name="registration_drafts")
    op.drop_table("registration_drafts")
