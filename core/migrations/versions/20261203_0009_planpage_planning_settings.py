"""planning settings stewards edit: channel safety-stock parameters and the planning windows

Revision ID: 0009_planpage
Revises: 0008
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009_planpage'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('channel_parameters',
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('service_level', sa.Numeric(precision=8, scale=6), nullable=False),
    sa.Column('lead_time_days', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('lead_time_sd_days', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.String(length=255), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_channel_parameters'))
    )
    op.create_table('planning_windows',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('dead_stock_days', sa.Integer(), nullable=False),
    sa.Column('safety_stock_window_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=True),
    sa.Column('updated_by', sa.String(length=255), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_windows'))
    )


def downgrade() -> None:
    op.drop_table('planning_windows')
    op.drop_table('channel_parameters')
