"""partners: partner organisations, their accounts, assisted registrations, audit trail

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import puerta.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("inbox", sa.String(length=254), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_partner_organisations_name")),
    )
    op.create_table(
        "partner_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["partner_organisations.id"],
            name=op.f("fk_partner_members_organisation_id_partner_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_partner_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_partner_members")),
    )
    op.create_index(
        op.f("ix_partner_members_organisation_id"),
        "partner_members",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "assisted_registrations",
        sa.Column("registration_id", sa.String(length=24), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=8), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("handover_code_hash", sa.String(length=64), nullable=True),
        sa.Column("handed_over_at", puerta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_assisted_registrations_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["partner_organisations.id"],
            name=op.f("fk_assisted_registrations_organisation_id_partner_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_assisted_registrations_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_assisted_registrations")),
        sa.UniqueConstraint(
            "handover_code_hash", name=op.f("uq_assisted_registrations_handover_code_hash")
        ),
    )
    op.create_index(
        op.f("ix_assisted_registrations_created_at"),
        "assisted_registrations",
        ["created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_assisted_registrations_organisation_id"),
        "assisted_registrations",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "partner_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", puerta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("registration_id", sa.String(length=24), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_partner_audit_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["partner_organisations.id"],
            name=op.f("fk_partner_audit_organisation_id_partner_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_partner_audit_registration_id_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_audit")),
    )
    op.create_index(
        "ix_partner_audit_org_at", "partner_audit", ["organisation_id", "at"], unique=False
    )
    op.create_index(
        op.f("ix_partner_audit_registration_id"),
        "partner_audit",
        ["registration_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("partner_audit")
    op.drop_table("assisted_registrations")
    op.drop_table("partner_members")
    op.drop_table("partner_organisations")
