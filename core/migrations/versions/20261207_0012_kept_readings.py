"""kept readings: slow readings of the Migration page kept until the data changes

Revision ID: 0012_kept
Revises: 0011_bulk
Create Date: 2026-12-07 14:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012_kept'
down_revision: str | None = '0011_bulk'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kept_readings',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_kept_readings'))
    )


def downgrade() -> None:
    op.drop_table('kept_readings')
