"""liveness vendor: the shared contract budget (rate, quota, breaker) and the scan queue

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "liveness_vendor_budget",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("next_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("open_until", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "liveness_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("enqueued_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("extended_by_seconds", sa.Double(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["selection_id"], ["selections.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_liveness_scans_registration_id"),
        "liveness_scans",
        ["registration_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_liveness_scans_selection_id"), "liveness_scans", ["selection_id"], unique=False
    )
    op.create_index("ix_liveness_scans_status_id", "liveness_scans", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_liveness_scans_status_id", table_name="liveness_scans")
    op.drop_index(op.f("ix_liveness_scans_selection_id"), table_name="liveness_scans")
    op.drop_index(op.f("ix_liveness_scans_registration_id"), table_name="liveness_scans")
    op.drop_table("liveness_scans")
    op.drop_table("liveness_vendor_budget")
