"""resolutions waiting for evidence, sign-in sessions

Revision ID: 0007_govux
Revises: 0006
Create Date: 2026-12-03 08:00:00

Adds `exceptions.verification`, the `exception_resolutions` history (existing closings by people
are copied into it: a resolution becomes "awaiting", a won't-fix "standing") and `sign_in_sessions`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_govux'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('exceptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification', sa.String(length=64), nullable=True))
    op.create_table('exception_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exception_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=64), nullable=False),
    sa.Column('resolved_by', sa.String(length=255), nullable=False),
    sa.Column('resolved_at', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('after_import_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=64), nullable=False),
    sa.Column('settled_at', sa.BigInteger(), nullable=True),
    sa.Column('evidence_import_id', sa.Integer(), nullable=True),
    sa.Column('evidence_file', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['exception_id'], ['exceptions.id'], name=op.f('fk_exception_resolutions_exception_id_exceptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exception_resolutions'))
    )
    with op.batch_alter_table('exception_resolutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exception_resolutions_exception_id'), ['exception_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exception_resolutions_outcome'), ['outcome'], unique=False)
    op.create_table('sign_in_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('last_seen_at', sa.BigInteger(), nullable=False),
    sa.Column('ended_at', sa.BigInteger(), nullable=True),
    sa.Column('ended_why', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sessions')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_sign_in_sessions_token_sha256'))
    )
    with op.batch_alter_table('sign_in_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_sessions_user_id'), ['user_id'], unique=False)
    # Closings by people made before this revision: their history starts here.
    op.execute(
        "UPDATE exceptions SET verification = 'awaiting' "
        "WHERE status = 'resolved' AND cleared_by_data = false"
    )
    op.execute(
        "INSERT INTO exception_resolutions (exception_id, status, resolved_by, resolved_at, reason,"
        " note, after_import_id, outcome) "
        "SELECT id, status, resolved_by, resolved_at, resolution_reason,"
        " COALESCE(resolution_note, ''), NULL,"
        " CASE WHEN status = 'resolved' THEN 'awaiting' ELSE 'standing' END "
        "FROM exceptions WHERE status IN ('resolved', 'wont_fix') AND cleared_by_data = false"
        " AND resolved_by IS NOT NULL AND resolved_at IS NOT NULL"
        " AND resolution_reason IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('sign_in_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_sessions_user_id'))
    op.drop_table('sign_in_sessions')
    with op.batch_alter_table('exception_resolutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exception_resolutions_outcome'))
        batch_op.drop_index(batch_op.f('ix_exception_resolutions_exception_id'))
    op.drop_table('exception_resolutions')
    with op.batch_alter_table('exceptions', schema=None) as batch_op:
        batch_op.drop_column('verification')
