"""charging transactions, remote starts and internal events

Revision ID: da69357ee3c6
Revises: 14d03ba2fa42
Create Date: 2026-12-01 17:10:14.045704
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.tables.base

revision: str = "da69357ee3c6"
down_revision: str | None = "14d03ba2fa42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charging_transaction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=True),
        sa.Column("evse", sa.Integer(), nullable=True),
        sa.Column("connector", sa.Integer(), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("evse_uid", sa.String(length=36), nullable=True),
        sa.Column("connector_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.Column("ended_at", hub.tables.base.UtcDateTime(), nullable=True),
        sa.Column("last_seq_no", sa.Integer(), nullable=True),
        sa.Column("last_event_at", hub.tables.base.UtcDateTime(), nullable=True),
        sa.Column("last_patch_at", hub.tables.base.UtcDateTime(), nullable=True),
        sa.Column("cdr_id", sa.String(length=39), nullable=True),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("charging_transaction_pkey")),
        sa.UniqueConstraint("country_code", "party_id", "session_id", name="uq_charging_transaction_session"),
        sa.UniqueConstraint("station_id", "transaction_id", name="uq_charging_transaction_station_tx"),
    )
    with op.batch_alter_table("charging_transaction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_charging_transaction_open", ["station_id", "evse", "ended_at"], unique=False
        )

    op.create_table(
        "internal_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("received_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("internal_event_pkey")),
        sa.UniqueConstraint("event_id", name=op.f("uq_internal_event_event_id")),
    )
    with op.batch_alter_table("internal_event", schema=None) as batch_op:
        batch_op.create_index("ix_internal_event_station", ["station_id", "received_at"], unique=False)

    op.create_table(
        "remote_start",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("evse", sa.Integer(), nullable=True),
        sa.Column("connector", sa.Integer(), nullable=True),
        sa.Column("id_token", sa.String(length=36), nullable=False),
        sa.Column(
            "token",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("authorization_reference", sa.String(length=36), nullable=True),
        sa.Column("created_at", hub.tables.base.UtcDateTime(), nullable=False),
        sa.Column("used_at", hub.tables.base.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("remote_start_pkey")),
    )
    with op.batch_alter_table("remote_start", schema=None) as batch_op:
        batch_op.create_index("ix_remote_start_station", ["station_id", "evse", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("remote_start", schema=None) as batch_op:
        batch_op.drop_index("ix_remote_start_station")

    op.drop_table("remote_start")
    with op.batch_alter_table("internal_event", schema=None) as batch_op:
        batch_op.drop_index("ix_internal_event_station")

    op.drop_table("internal_event")
    with op.batch_alter_table("charging_transaction", schema=None) as batch_op:
        batch_op.drop_index("ix_charging_transaction_open")

    op.drop_table("charging_transaction")
