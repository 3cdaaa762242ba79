"""planning signals: book units and demand days kept, snapshot num as a float, order lines by sku

Revision ID: 0007_planning
Revises: 0006
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_planning'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('metric_book_units',
    sa.Column('location_id', sa.String(length=255), nullable=False),
    sa.Column('sku', sa.String(length=255), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('location_id', 'sku', name=op.f('pk_metric_book_units'))
    )
    op.create_table('metric_demand_days',
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=255), nullable=False),
    sa.Column('day', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'sku', 'day', name=op.f('pk_metric_demand_days'))
    )
    # num of SPEC section 3.1's snapshot rows is money (dead and stranded stock) or a float (units
    # short of safety stock); the rows are re-finished from their parts, num is kept for reading.
    with op.batch_alter_table('metric_snapshots', schema=None) as batch_op:
        batch_op.alter_column('num', existing_type=sa.BigInteger(), type_=sa.Float(), existing_nullable=True)
    # A change to an item touches the demand weeks of the orders with lines of its SKU.
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_sku'), ['sku'], unique=False)


def downgrade() -> None:
    op.drop_table('metric_demand_days')
    op.drop_table('metric_book_units')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_sku'))
    with op.batch_alter_table('metric_snapshots', schema=None) as batch_op:
        batch_op.alter_column('num', existing_type=sa.Float(), type_=sa.BigInteger(), existing_nullable=True)
