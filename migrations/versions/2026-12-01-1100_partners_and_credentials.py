"""partners and credentials

Revision ID: 7d99b98fe263
Revises: 
Create Date: 2026-12-01 11:00:25.194800
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.tables.base
from sqlalchemy.dialects import postgresql

revision: str = '7d99b98fe263'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partner',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=True),
    sa.Column('versions_url', sa.String(length=255), nullable=True),
    sa.Column('token_out', sa.String(length=64), nullable=True),
    sa.Column('send_raw_token', sa.Boolean(), nullable=False),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.Column('updated_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('partner_pkey'))
    )
    op.create_table('partner_endpoint',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('interface_role', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('partner_endpoint_partner_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('partner_endpoint_pkey')),
    sa.UniqueConstraint('partner_id', 'module', 'interface_role', name=op.f('uq_partner_endpoint_partner_id_module_interface_role'))
    )
    with op.batch_alter_table('partner_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_endpoint_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_role',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('party_id', sa.String(length=3), nullable=False),
    sa.Column('business_details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('partner_role_partner_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('partner_role_pkey')),
    sa.UniqueConstraint('partner_id', 'role', 'country_code', 'party_id', name=op.f('uq_partner_role_partner_id_role_country_code_party_id'))
    )
    with op.batch_alter_table('partner_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_role_country_code'), ['country_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_role_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_role_party_id'), ['party_id'], unique=False)

    op.create_table('partner_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', hub.tables.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('partner_token_partner_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('partner_token_pkey'))
    )
    with op.batch_alter_table('partner_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_token_partner_id'), ['partner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('partner_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_token_partner_id'))

    op.drop_table('partner_token')
    with op.batch_alter_table('partner_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_role_party_id'))
        batch_op.drop_index(batch_op.f('ix_partner_role_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_role_country_code'))

    op.drop_table('partner_role')
    with op.batch_alter_table('partner_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_endpoint_partner_id'))

    op.drop_table('partner_endpoint')
    op.drop_table('partner')
