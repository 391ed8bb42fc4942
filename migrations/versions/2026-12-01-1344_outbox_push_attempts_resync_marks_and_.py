"""outbox, push attempts, resync marks and feed tokens

Revision ID: bee9ee62542e
Revises: a7522c6bcc5d
Create Date: 2026-12-01 13:44:05.842644
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.tables.base


revision: str = 'bee9ee62542e'
down_revision: str | None = 'a7522c6bcc5d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feed_token',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('revoked_at', hub.tables.base.UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('feed_token_pkey')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feed_token_token_hash'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('group_key', sa.String(length=160), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('evse_uid', sa.String(length=36), nullable=True),
    sa.Column('connector_id', sa.String(length=36), nullable=True),
    sa.Column('object_type', sa.String(length=16), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('url', sa.String(length=512), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('to_country_code', sa.String(length=2), nullable=True),
    sa.Column('to_party_id', sa.String(length=3), nullable=True),
    sa.Column('command_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('changed_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('next_attempt_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('lease_until', hub.tables.base.UtcDateTime(), nullable=True),
    sa.Column('delivered_at', hub.tables.base.UtcDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('outbox_partner_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('outbox_pkey'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_group', ['group_key', 'state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_partner_id'), ['partner_id'], unique=False)

    op.create_table('push_resync',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('since', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('push_resync_partner_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', 'module', name=op.f('push_resync_pkey'))
    )
    op.create_table('push_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('url', sa.String(length=512), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('ocpi_status', sa.Integer(), nullable=True),
    sa.Column('duration_ms', sa.Float(), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('push_attempt_outbox_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('push_attempt_pkey'))
    )
    with op.batch_alter_table('push_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_attempt_outbox_id'), ['outbox_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('push_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_attempt_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_push_attempt_at'))

    op.drop_table('push_attempt')
    op.drop_table('push_resync')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_partner_id'))
        batch_op.drop_index('ix_outbox_group')
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    op.drop_table('feed_token')
