"""hub routing callbacks and routes, partner reachability and suspension

Revision ID: e36e49ce1133
Revises: bee9ee62542e
Create Date: 2026-12-01 14:30:35.693297
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.tables.base


revision: str = 'e36e49ce1133'
down_revision: str | None = 'bee9ee62542e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('hub_callback',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('callback_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=512), nullable=False),
    sa.Column('caller_partner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('hub_callback_partner_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('hub_callback_pkey')),
    sa.UniqueConstraint('callback_id', name=op.f('uq_hub_callback_callback_id'))
    )
    with op.batch_alter_table('hub_callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hub_callback_partner_id'), ['partner_id'], unique=False)

    op.create_table('hub_route',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('object_key', sa.String(length=120), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('updated_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('hub_route_partner_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('hub_route_pkey'))
    )
    with op.batch_alter_table('hub_route', schema=None) as batch_op:
        batch_op.create_index('ix_hub_route_object', ['module', 'object_key'], unique=True)
        batch_op.create_index(batch_op.f('ix_hub_route_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unreachable_since', hub.tables.base.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('suspended_at', hub.tables.base.UtcDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.drop_column('suspended_at')
        batch_op.drop_column('unreachable_since')

    with op.batch_alter_table('hub_route', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hub_route_partner_id'))
        batch_op.drop_index('ix_hub_route_object')

    op.drop_table('hub_route')
    with op.batch_alter_table('hub_callback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hub_callback_partner_id'))

    op.drop_table('hub_callback')
