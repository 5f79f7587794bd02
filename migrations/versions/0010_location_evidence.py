"""location evidence: the position's accuracy on requests and confirmations, the device on
confirmations (read by the trend analysis's location signals)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointment_requests") as batch:
        batch.add_column(sa.Column("accuracy_m", sa.Double(), nullable=True))
    with op.batch_alter_table("liveness_checks") as batch:
        batch.add_column(sa.Column("accuracy_m", sa.Double(), nullable=True))
        batch.add_column(sa.Column("device_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("liveness_checks") as batch:
        batch.drop_column("device_id")
        batch.drop_column("accuracy_m")
    with op.batch_alter_table("appointment_requests") as batch:
        batch.drop_column("accuracy_m")
