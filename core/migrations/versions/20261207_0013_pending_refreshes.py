"""pending refreshes: an import's aggregate refresh runs after its write, in its own transaction

Revision ID: 0013_pending
Revises: 0012_kept
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013_pending'
down_revision: str | None = '0012_kept'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pending_refreshes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_run_id', sa.BigInteger(), nullable=True),
    sa.Column('noted_at', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_refreshes'))
    )


def downgrade() -> None:
    op.drop_table('pending_refreshes')
