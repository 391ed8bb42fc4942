"""locations tariffs and change events

Revision ID: b5ddd70d5d6f
Revises: 7d99b98fe263
Create Date: 2026-12-01 11:19:14.498180
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.tables.base


revision: str = 'b5ddd70d5d6f'
down_revision: str | None = '7d99b98fe263'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('change_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('object_id', sa.String(length=36), nullable=False),
    sa.Column('evse_uid', sa.String(length=36), nullable=True),
    sa.Column('connector_id', sa.String(length=36), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('change_event_pkey'))
    )
    with op.batch_alter_table('change_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_event_module'), ['module'], unique=False)

    op.create_table('location',
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('object_key', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('last_updated', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('location_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('location_pkey')),
    sa.UniqueConstraint('country_code', 'party_id', 'object_key', name=op.f('uq_location_country_code_party_id_object_key'))
    )
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.create_index('ix_location_page', ['partner_id', 'last_updated', 'id'], unique=False)

    op.create_table('tariff',
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('object_key', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('last_updated', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('tariff_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('tariff_pkey')),
    sa.UniqueConstraint('country_code', 'party_id', 'object_key', name=op.f('uq_tariff_country_code_party_id_object_key'))
    )
    with op.batch_alter_table('tariff', schema=None) as batch_op:
        batch_op.create_index('ix_tariff_page', ['partner_id', 'last_updated', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tariff', schema=None) as batch_op:
        batch_op.drop_index('ix_tariff_page')

    op.drop_table('tariff')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_index('ix_location_page')

    op.drop_table('location')
    with op.batch_alter_table('change_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_event_module'))
        batch_op.drop_index(batch_op.f('ix_change_event_created_at'))

    op.drop_table('change_event')
