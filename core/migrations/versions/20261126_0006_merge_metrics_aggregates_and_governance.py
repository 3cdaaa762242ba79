"""merge metrics aggregates and governance

Revision ID: 0006
Revises: 0004, 0005
Create Date: 2026-11-26 17:09:46.810539
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = ('0004', '0005')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
