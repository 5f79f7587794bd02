"""dispositions: each group's check-in at the limit line, each traveler's disposition
(with the address on a notice to appear), and their history

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "arrivals",
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked_in_at", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.Integer(), nullable=True),
        sa.Column("no_show_at", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_arrivals_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checked_in_by"], ["users.id"], name=op.f("fk_arrivals_checked_in_by_users")
        ),
        sa.PrimaryKeyConstraint("appointment_id", name=op.f("pk_arrivals")),
    )
    op.create_table(
        "traveler_dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("notice_address_line1", sa.String(length=120), nullable=True),
        sa.Column("notice_address_line2", sa.String(length=120), nullable=True),
        sa.Column("notice_city", sa.String(length=80), nullable=True),
        sa.Column("notice_state", sa.String(length=2), nullable=True),
        sa.Column("notice_zip_code", sa.String(length=10), nullable=True),
        sa.Column("notice_address_key", sa.String(length=300), nullable=True),
        sa.Column("address_matched", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_traveler_dispositions_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_traveler_dispositions_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traveler_dispositions")),
        sa.UniqueConstraint(
            "appointment_id",
            "position",
            name=op.f("uq_traveler_dispositions_appointment_id_position"),
        ),
    )
    op.create_table(
        "arrival_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_arrival_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_arrival_events_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arrival_events")),
    )
    op.create_index(
        op.f("ix_arrival_events_appointment_id"),
        "arrival_events",
        ["appointment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_arrival_events_appointment_id"), table_name="arrival_events")
    op.drop_table("arrival_events")
    op.drop_table("traveler_dispositions")
    op.drop_table("arrivals")
