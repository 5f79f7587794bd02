"""vetting: each traveler's latest result against the records (the watch list)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vetting_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("list_version", sa.String(length=64), nullable=False),
        sa.Column("checked_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_vetting_results_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_vetting_results_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_results")),
        sa.UniqueConstraint(
            "appointment_id", "position", name=op.f("uq_vetting_results_appointment_id_position")
        ),
    )
    op.create_index(
        op.f("ix_vetting_results_registration_id"),
        "vetting_results",
        ["registration_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_vetting_results_list_version"), "vetting_results", ["list_version"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_vetting_results_list_version"), table_name="vetting_results")
    op.drop_index(op.f("ix_vetting_results_registration_id"), table_name="vetting_results")
    op.drop_table("vetting_results")
