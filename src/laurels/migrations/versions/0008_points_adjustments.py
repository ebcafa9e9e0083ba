"""Points entries name what made them: an operator's adjustment carries its id and reason;
an issuance records what was paid for it, the counters it took, and its redemption or reversal;
customers gain the identifiers Capillary names them by (mobile, email, externalId), unique per org

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import laurels.kit.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Nullable columns added in place: neither database rebuilds the table.
    op.add_column('issuances', sa.Column('payment', JSON_DOC, nullable=True))
    op.add_column('issuances', sa.Column('counted', JSON_DOC, nullable=True))
    op.add_column('issuances', sa.Column('redeemed_at', laurels.kit.db.UTCDateTime(), nullable=True))
    op.add_column('issuances', sa.Column('reversed_at', laurels.kit.db.UTCDateTime(), nullable=True))
    op.add_column('issuances', sa.Column('reversal_reason', sa.Text(), nullable=True))
    for column, length in (('mobile', 20), ('email', 254), ('external_id', 128)):
        op.add_column('customers', sa.Column(column, sa.String(length=length), nullable=True))
        op.create_index(f'uq_customers_org_id_{column}', 'customers', ['org_id', column], unique=True)
    op.add_column('points_entries', sa.Column('reference', sa.String(length=64), nullable=True))
    op.add_column('points_entries', sa.Column('reason', sa.Text(), nullable=True))
    op.create_index(
        'ix_points_entries_org_id_reference', 'points_entries', ['org_id', 'reference'], unique=True
    )


def downgrade() -> None:
    op.drop_index('ix_points_entries_org_id_reference', table_name='points_entries')
    # In place on both (SQLite has had DROP COLUMN since 3.35): a batch rebuild would reset
    # SQLite's AUTOINCREMENT counters (migration 0005).
    op.drop_column('points_entries', 'reason')
    op.drop_column('points_entries', 'reference')
    for column in ('reversal_reason', 'reversed_at', 'redeemed_at', 'counted', 'payment'):
        op.drop_column('issuances', column)
    for column in ('mobile', 'email', 'external_id'):
        op.drop_index(f'uq_customers_org_id_{column}', table_name='customers')
        op.drop_column('customers', column)
