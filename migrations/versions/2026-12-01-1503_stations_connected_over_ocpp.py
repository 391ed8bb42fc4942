"""stations connected over OCPP

Revision ID: 14d03ba2fa42
Revises: e36e49ce1133
Create Date: 2026-12-01 15:03:33.592998
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.tables.base
from sqlalchemy.dialects import postgresql

revision: str = '14d03ba2fa42'
down_revision: str | None = 'e36e49ce1133'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('station',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('party_id', sa.String(length=3), nullable=True),
    sa.Column('location_id', sa.String(length=36), nullable=True),
    sa.Column('connectors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('upstream_url', sa.String(length=255), nullable=True),
    sa.Column('auto_registered', sa.Boolean(), nullable=False),
    sa.Column('connection', sa.String(length=16), nullable=False),
    sa.Column('connection_id', sa.String(length=36), nullable=True),
    sa.Column('gateway_id', sa.String(length=64), nullable=True),
    sa.Column('protocol', sa.String(length=16), nullable=True),
    sa.Column('connected_at', hub.tables.base.UtcDateTime(), nullable=True),
    sa.Column('disconnected_at', hub.tables.base.UtcDateTime(), nullable=True),
    sa.Column('last_seen_at', hub.tables.base.UtcDateTime(), nullable=True),
    sa.Column('heartbeat_interval', sa.Integer(), nullable=True),
    sa.Column('boot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('statuses', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('updated_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('station_pkey')),
    sa.UniqueConstraint('station_id', name=op.f('uq_station_station_id'))
    )
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.create_index('ix_station_connection', ['connection', 'last_seen_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.drop_index('ix_station_connection')

    op.drop_table('station')
