"""merge the import undo and the planning settings

Revision ID: 0010
Revises: 0009_planpage, 0009_undo
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence


revision: str = '0010'
down_revision: str | None = ('0009_planpage', '0009_undo')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
