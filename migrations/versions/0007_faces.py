"""faces: the encodings of registered photos, and each live photo's comparison

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "face_encodings",
        sa.Column("photo_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.Column("encoding", sa.LargeBinary(), nullable=True),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("faces", sa.Integer(), nullable=False),
        sa.Column("face_px", sa.Integer(), nullable=False),
        sa.Column("created_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_sha256"],
            ["photos.sha256"],
            name=op.f("fk_face_encodings_photo_sha256_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("photo_sha256", name=op.f("pk_face_encodings")),
    )
    op.create_table(
        "live_face_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.String(length=24), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("pending_image", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("live_status", sa.String(length=16), nullable=True),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("distance", sa.Double(), nullable=True),
        sa.Column("threshold", sa.Double(), nullable=True),
        sa.Column("traveler_position", sa.Integer(), nullable=True),
        sa.Column("encoding", sa.LargeBinary(), nullable=True),
        sa.Column("model", sa.String(length=32), nullable=True),
        sa.Column("created_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_at", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_live_face_checks_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_live_face_checks_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_face_checks")),
        sa.UniqueConstraint("appointment_id", name=op.f("uq_live_face_checks_appointment_id")),
    )
    op.create_index(
        op.f("ix_live_face_checks_registration_id"),
        "live_face_checks",
        ["registration_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_live_face_checks_status"), "live_face_checks", ["status"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_live_face_checks_status"), table_name="live_face_checks")
    op.drop_index(op.f("ix_live_face_checks_registration_id"), table_name="live_face_checks")
    op.drop_table("live_face_checks")
    op.drop_table("face_encodings")
