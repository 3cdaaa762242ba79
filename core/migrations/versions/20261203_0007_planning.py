"""planning signals: book units and demand days kept, snapshot num as a float, order lines by sku;
default targets of the planning KPIs seeded

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

# The planning KPIs as of this revision (the application keeps their defaults in the
# metric declarations and fills in any KPI without a row): metric, comparator, target, amber
# margin (in the KPI's unit: money, pairs, triples), owning team.
PLANNING_KPI_TARGETS = [
    ('dead_stock_units', '<=', 0.0, 1000.0, 'inventory control'),
    ('safety_stock_shortfalls', '=', 0.0, 5.0, 'operations'),
    ('bundle_availability_breaches', '=', 0.0, 2.0, 'inventory control'),
]


def _seed_kpi_targets() -> None:
    """Insert the default target of every planning KPI that has no row yet."""
    table = sa.table(
        'kpi_targets',
        sa.column('metric', sa.String), sa.column('comparator', sa.String),
        sa.column('target', sa.Float), sa.column('amber_margin', sa.Float),
        sa.column('owner_team', sa.String), sa.column('version', sa.Integer),
    )
    present = {row[0] for row in op.get_bind().execute(sa.select(table.c.metric))}
    rows = [
        {'metric': m, 'comparator': c, 'target': t, 'amber_margin': a, 'owner_team': o, 'version': 1}
        for m, c, t, a, o in PLANNING_KPI_TARGETS
        if m not in present
    ]
    if rows:
        op.bulk_insert(table, rows)


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
    _seed_kpi_targets()


def downgrade() -> None:
    metrics = [row[0] for row in PLANNING_KPI_TARGETS]
    op.execute(sa.text('DELETE FROM kpi_targets WHERE metric IN :m').bindparams(sa.bindparam('m', metrics, expanding=True)))
    op.drop_table('metric_demand_days')
    op.drop_table('metric_book_units')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_sku'))
    with op.batch_alter_table('metric_snapshots', schema=None) as batch_op:
        batch_op.alter_column('num', existing_type=sa.Float(), type_=sa.BigInteger(), existing_nullable=True)
