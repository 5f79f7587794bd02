"""the live photo of a confirmation kept in the photo store for the officer's console

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("live_face_checks") as batch:
        batch.add_column(
            sa.Column("photo_kept", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("live_face_checks") as batch:
        batch.drop_column("photo_kept")
