"""Reward groups (with their items) and payout schemes (with drafts, and the groups
their active drafts pin)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import laurels.kit.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "payout_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("payout_scheme_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("last_version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_payout_schemes_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_schemes")),
        sa.UniqueConstraint("org_id", "payout_scheme_id", name=op.f("uq_payout_schemes_org_id_payout_scheme_id")),
    )
    op.create_table(
        "reward_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("reward_group_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_reward_groups_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_groups")),
        sa.UniqueConstraint("org_id", "name_key", name=op.f("uq_reward_groups_org_id_name_key")),
        sa.UniqueConstraint("org_id", "reward_group_id", name=op.f("uq_reward_groups_org_id_reward_group_id")),
    )
    op.create_table(
        "payout_scheme_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", JSON_DOC, nullable=False),
        # True for the scheme's one active draft, NULL for every other: the
        # unique constraint below admits many NULLs but one True.
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("published_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["payout_schemes.id"],
            name=op.f("fk_payout_scheme_drafts_scheme_id_payout_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_scheme_drafts")),
        sa.UniqueConstraint("scheme_id", "active", name=op.f("uq_payout_scheme_drafts_scheme_id_active")),
        sa.UniqueConstraint("scheme_id", "draft_id", name=op.f("uq_payout_scheme_drafts_scheme_id_draft_id")),
        sa.UniqueConstraint("scheme_id", "version", name=op.f("uq_payout_scheme_drafts_scheme_id_version")),
    )
    op.create_table(
        "payout_draft_groups",
        sa.Column("draft_pk", sa.Integer(), nullable=False),
        sa.Column("group_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_pk"],
            ["payout_scheme_drafts.id"],
            name=op.f("fk_payout_draft_groups_draft_pk_payout_scheme_drafts"),
            ondelete="CASCADE",
        ),
        # A group an active draft names cannot be deleted, whatever the timing.
        sa.ForeignKeyConstraint(
            ["group_pk"],
            ["reward_groups.id"],
            name=op.f("fk_payout_draft_groups_group_pk_reward_groups"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("draft_pk", "group_pk", name=op.f("pk_payout_draft_groups")),
    )
    with op.batch_alter_table("payout_draft_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_draft_groups_group_pk"), ["group_pk"], unique=False)
    op.create_table(
        "reward_group_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("reward_pk", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["reward_groups.id"],
            name=op.f("fk_reward_group_items_group_id_reward_groups"),
            ondelete="CASCADE",
        ),
        # Deleting a reward takes it out of every group.
        sa.ForeignKeyConstraint(
            ["reward_pk"],
            ["rewards.id"],
            name=op.f("fk_reward_group_items_reward_pk_rewards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_group_items")),
        sa.UniqueConstraint("group_id", "reward_pk", name=op.f("uq_reward_group_items_group_id_reward_pk")),
    )
    with op.batch_alter_table("reward_group_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reward_group_items_reward_pk"), ["reward_pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reward_group_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reward_group_items_reward_pk"))
    op.drop_table("reward_group_items")
    with op.batch_alter_table("payout_draft_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_draft_groups_group_pk"))
    op.drop_table("payout_draft_groups")
    op.drop_table("payout_scheme_drafts")
    op.drop_table("reward_groups")
    op.drop_table("payout_schemes")
