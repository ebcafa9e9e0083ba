"""Points entries name what made them: an operator's adjustment carries its id and reason

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns added in place: neither database rebuilds the table.
    op.add_column('points_entries', sa.Column('reference', sa.String(length=64), nullable=True))
    op.add_column('points_entries', sa.Column('reason', sa.Text(), nullable=True))
    op.create_index(
        'ix_points_entries_org_id_reference', 'points_entries', ['org_id', 'reference'], unique=True
    )


def downgrade() -> None:
    op.drop_index('ix_points_entries_org_id_reference', table_name='points_entries')
    with op.batch_alter_table('points_entries') as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('reference')
