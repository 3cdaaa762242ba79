"""import changes (undo an import), undone runs

Revision ID: 0009_undo
Revises: 0008
Create Date: 2026-12-03 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009_undo'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=64), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('previous', sa.JSON(), nullable=True),
    sa.Column('previous_run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_changes'))
    )
    with op.batch_alter_table('import_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_changes_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_changes_entity_key'), ['entity', 'key'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_changes_previous_run_id'), ['previous_run_id'], unique=False)
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undone_at', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('undone_by', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_column('undone_by')
        batch_op.drop_column('undone_at')
    with op.batch_alter_table('import_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_changes_previous_run_id'))
        batch_op.drop_index(batch_op.f('ix_import_changes_entity_key'))
        batch_op.drop_index(batch_op.f('ix_import_changes_run_id'))
    op.drop_table('import_changes')
