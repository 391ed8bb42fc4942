"""Sender page indexes lead with the owner: (partner_id, country_code, party_id, last_updated, id)

Revision ID: 5b1e0c7d2a90
Revises: da69357ee3c6
Create Date: 2026-12-01 17:45:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b1e0c7d2a90"
down_revision: str | None = "da69357ee3c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("location", "tariff", "token")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_page")
            batch_op.create_index(
                f"ix_{table}_page", ["partner_id", "country_code", "party_id", "last_updated", "id"], unique=False
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_page")
            batch_op.create_index(f"ix_{table}_page", ["partner_id", "last_updated", "id"], unique=False)
