"""sessions cdrs tokens commands charging profiles client info

Revision ID: a7522c6bcc5d
Revises: b5ddd70d5d6f
Create Date: 2026-12-01 12:36:53.089859
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.tables.base


revision: str = 'a7522c6bcc5d'
down_revision: str | None = 'b5ddd70d5d6f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('active_charging_profile',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('session_key', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('active_charging_profile_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('active_charging_profile_pkey')),
    sa.UniqueConstraint('partner_id', 'session_key', name=op.f('uq_active_charging_profile_partner_id_session_key'))
    )
    op.create_table('cdr',
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('object_key', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('last_updated', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_country_code', sa.String(length=2), nullable=False),
    sa.Column('token_party_id', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('cdr_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('cdr_pkey')),
    sa.UniqueConstraint('country_code', 'party_id', 'object_key', name=op.f('uq_cdr_country_code_party_id_object_key'))
    )
    with op.batch_alter_table('cdr', schema=None) as batch_op:
        batch_op.create_index('ix_cdr_page', ['partner_id', 'token_country_code', 'token_party_id', 'last_updated', 'id'], unique=False)

    op.create_table('client_info',
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('object_key', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('last_updated', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('client_info_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('client_info_pkey')),
    sa.UniqueConstraint('partner_id', 'country_code', 'party_id', 'object_key', name=op.f('uq_client_info_partner_id_country_code_party_id_object_key'))
    )
    op.create_table('command',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('module', sa.String(length=32), nullable=False),
    sa.Column('command', sa.String(length=32), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('party_id', sa.String(length=3), nullable=True),
    sa.Column('local_country_code', sa.String(length=2), nullable=True),
    sa.Column('local_party_id', sa.String(length=3), nullable=True),
    sa.Column('session_id', sa.String(length=36), nullable=True),
    sa.Column('session_key', sa.String(length=64), nullable=True),
    sa.Column('location_key', sa.String(length=64), nullable=True),
    sa.Column('callback_id', sa.String(length=64), nullable=True),
    sa.Column('response_url', sa.String(length=255), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('updated_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('timeout_at', hub.tables.base.UtcDateTime(), nullable=True),
    sa.Column('result_at', hub.tables.base.UtcDateTime(), nullable=True),
    sa.Column('delivered_at', hub.tables.base.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('command_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('command_pkey')),
    sa.UniqueConstraint('callback_id', name=op.f('uq_command_callback_id'))
    )
    with op.batch_alter_table('command', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_command_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index('ix_command_session', ['direction', 'module', 'session_key'], unique=False)

    op.create_table('command_reservation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('reservation_key', sa.String(length=64), nullable=False),
    sa.Column('local_country_code', sa.String(length=2), nullable=False),
    sa.Column('local_party_id', sa.String(length=3), nullable=False),
    sa.Column('location_key', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=False),
    sa.Column('evse_uid', sa.String(length=36), nullable=True),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('updated_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('command_reservation_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('command_reservation_pkey')),
    sa.UniqueConstraint('local_country_code', 'local_party_id', 'location_key', 'country_code', 'party_id', 'reservation_key', name='uq_command_reservation_key')
    )
    op.create_table('session',
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('object_key', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('last_updated', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_country_code', sa.String(length=2), nullable=False),
    sa.Column('token_party_id', sa.String(length=3), nullable=False),
    sa.Column('charging_preferences', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('session_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('session_pkey')),
    sa.UniqueConstraint('country_code', 'party_id', 'object_key', name=op.f('uq_session_country_code_party_id_object_key'))
    )
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.create_index('ix_session_page', ['partner_id', 'token_country_code', 'token_party_id', 'last_updated', 'id'], unique=False)

    op.create_table('token',
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('object_key', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('last_updated', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('policy', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('token_partner_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('token_pkey')),
    sa.UniqueConstraint('country_code', 'party_id', 'object_key', name=op.f('uq_token_country_code_party_id_object_key'))
    )
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.create_index('ix_token_object_key', ['object_key'], unique=False)
        batch_op.create_index('ix_token_page', ['partner_id', 'last_updated', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.drop_index('ix_token_page')
        batch_op.drop_index('ix_token_object_key')

    op.drop_table('token')
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.drop_index('ix_session_page')

    op.drop_table('session')
    op.drop_table('command_reservation')
    with op.batch_alter_table('command', schema=None) as batch_op:
        batch_op.drop_index('ix_command_session')
        batch_op.drop_index(batch_op.f('ix_command_partner_id'))

    op.drop_table('command')
    op.drop_table('client_info')
    with op.batch_alter_table('cdr', schema=None) as batch_op:
        batch_op.drop_index('ix_cdr_page')

    op.drop_table('cdr')
    op.drop_table('active_charging_profile')
