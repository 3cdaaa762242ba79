"""merge cadence, govux, migration and planning

Revision ID: 0008
Revises: 0007_cadence, 0007_govux, 0007_migration, 0007_planning
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence


revision: str = '0008'
down_revision: str | None = ('0007_cadence', '0007_govux', '0007_migration', '0007_planning')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
