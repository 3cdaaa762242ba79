"""not-tracked SKUs: a steward's setting per system (optionally per SKU glob)

Revision ID: 0011_bulk
Revises: 0010
Create Date: 2026-12-03 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011_bulk'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('not_tracked_skus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system', sa.String(length=64), nullable=False),
    sa.Column('pattern', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_not_tracked_skus')),
    sa.UniqueConstraint('system', 'pattern', name=op.f('uq_not_tracked_skus_system_pattern'))
    )


def downgrade() -> None:
    op.drop_table('not_tracked_skus')
