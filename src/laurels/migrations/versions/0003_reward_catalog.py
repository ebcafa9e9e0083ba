"""The seed 003 catalog fields on rewards

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import laurels.kit.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.alter_column("reward_type", existing_type=sa.String(length=32), nullable=True)
        batch_op.add_column(sa.Column("category", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("redemption_type", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("start_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("end_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reward_rank", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("intouch_points", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("intouch_series_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("tier", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("group_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("label", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("vendor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("catalog", JSON_DOC, nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("last_updated_by", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_rewards_vendor_id_vendors"), "vendors", ["vendor_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.create_index(batch_op.f("ix_rewards_vendor_id"), ["vendor_id"], unique=False)
        batch_op.create_index("ix_rewards_org_id_brand_id_id", ["org_id", "brand_id", "id"], unique=False)
    # Defaults were only for the rows already there; new rows always carry both.
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.alter_column("priority", server_default=None)
        batch_op.alter_column("catalog", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.drop_index("ix_rewards_org_id_brand_id_id")
        batch_op.drop_index(batch_op.f("ix_rewards_vendor_id"))
        batch_op.drop_constraint(batch_op.f("fk_rewards_vendor_id_vendors"), type_="foreignkey")
        for column in (
            "last_updated_by",
            "created_by",
            "catalog",
            "vendor_id",
            "label",
            "group_name",
            "tier",
            "intouch_series_id",
            "intouch_points",
            "reward_rank",
            "priority",
            "end_at",
            "start_at",
            "redemption_type",
            "category",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column("reward_type", existing_type=sa.String(length=32), nullable=False)
