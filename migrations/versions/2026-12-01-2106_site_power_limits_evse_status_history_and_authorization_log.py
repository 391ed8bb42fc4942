"""site power limits, evse status history and authorization log

Revision ID: 909bc72b37f7
Revises: 5b1e0c7d2a90
Create Date: 2026-12-01 21:06:55.129495
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.tables.base

revision: str = "909bc72b37f7"
down_revision: str | None = "5b1e0c7d2a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "authorization_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("evse_uid", sa.String(length=36), nullable=True),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("authorization_log_pkey")),
    )
    with op.batch_alter_table("authorization_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_authorization_log_location", ["country_code", "party_id", "location_id", "at"], unique=False
        )

    op.create_table(
        "evse_status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("evse_uid", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("evse_status_history_pkey")),
    )
    with op.batch_alter_table("evse_status_history", schema=None) as batch_op:
        batch_op.create_index("ix_evse_status_history_changed_at", ["changed_at"], unique=False)
        batch_op.create_index(
            "ix_evse_status_history_evse",
            ["country_code", "party_id", "location_id", "evse_uid", "changed_at"],
            unique=False,
        )

    op.create_table(
        "site_power_limit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("limit_kw", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column(
            "schedule",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("site_power_limit_pkey")),
        sa.UniqueConstraint(
            "country_code",
            "party_id",
            "location_id",
            name=op.f("uq_site_power_limit_country_code_party_id_location_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("site_power_limit")
    with op.batch_alter_table("evse_status_history", schema=None) as batch_op:
        batch_op.drop_index("ix_evse_status_history_evse")
        batch_op.drop_index("ix_evse_status_history_changed_at")

    op.drop_table("evse_status_history")
    with op.batch_alter_table("authorization_log", schema=None) as batch_op:
        batch_op.drop_index("ix_authorization_log_location")

    op.drop_table("authorization_log")
