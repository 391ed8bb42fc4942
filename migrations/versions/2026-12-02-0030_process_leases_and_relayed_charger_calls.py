"""process leases and relayed charger calls

Revision ID: 47e7054c8f9c
Revises: 909bc72b37f7
Create Date: 2026-12-02 00:30:23.785472
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.tables.base

revision: str = "47e7054c8f9c"
down_revision: str | None = "909bc72b37f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charger_call",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column(
            "arguments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.Column("deadline", hub.tables.base.UtcDateTime(), nullable=False),
        sa.Column("claimed_at", hub.tables.base.UtcDateTime(), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("answered_at", hub.tables.base.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("charger_call_pkey")),
    )
    with op.batch_alter_table("charger_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charger_call_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_charger_call_owner", ["owner", "claimed_at"], unique=False)

    op.create_table(
        "hub_process",
        sa.Column("process_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.Column("lease_until", hub.tables.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("process_id", name=op.f("hub_process_pkey")),
    )


def downgrade() -> None:
    op.drop_table("hub_process")
    with op.batch_alter_table("charger_call", schema=None) as batch_op:
        batch_op.drop_index("ix_charger_call_owner")
        batch_op.drop_index(batch_op.f("ix_charger_call_created_at"))

    op.drop_table("charger_call")
