"""system migrations, item-master freeze, book systems

Revision ID: 0007_migration
Revises: 0006
Create Date: 2026-12-03 07:31:28.812358
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_migration'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('book_systems',
    sa.Column('location_id', sa.String(length=255), nullable=False),
    sa.Column('system', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_by', sa.String(length=255), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_book_systems'))
    )
    op.create_table('item_master_freeze',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_by', sa.String(length=255), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_master_freeze'))
    )
    op.create_table('system_migrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('old_system', sa.String(length=64), nullable=False),
    sa.Column('new_system', sa.String(length=64), nullable=False),
    sa.Column('start_day', sa.Date(), nullable=False),
    sa.Column('locations', sa.JSON(), nullable=False),
    sa.Column('target_match_rate', sa.Numeric(precision=6, scale=5), nullable=False),
    sa.Column('required_days', sa.Integer(), nullable=False),
    sa.Column('units_threshold', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=64), nullable=False),
    sa.Column('opened_by', sa.String(length=255), nullable=False),
    sa.Column('opened_at', sa.BigInteger(), nullable=False),
    sa.Column('closed_by', sa.String(length=255), nullable=True),
    sa.Column('closed_at', sa.BigInteger(), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=True),
    sa.Column('readiness_at_close', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_migrations'))
    )
    with op.batch_alter_table('system_migrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_system_migrations_status'), ['status'], unique=False)

    op.create_table('migration_explanations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('migration_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.String(length=255), nullable=False),
    sa.Column('sku', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('old_qty', sa.Integer(), nullable=False),
    sa.Column('new_qty', sa.Integer(), nullable=False),
    sa.Column('explained_by', sa.String(length=255), nullable=False),
    sa.Column('explained_at', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['migration_id'], ['system_migrations.id'], name=op.f('fk_migration_explanations_migration_id_system_migrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migration_explanations')),
    sa.UniqueConstraint('migration_id', 'location_id', 'sku', 'status', name=op.f('uq_migration_explanations_migration_id_location_id_sku_status'))
    )


def downgrade() -> None:
    op.drop_table('migration_explanations')
    with op.batch_alter_table('system_migrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_system_migrations_status'))

    op.drop_table('system_migrations')
    op.drop_table('item_master_freeze')
    op.drop_table('book_systems')
