"""Reference data (labels, card series, custom field definitions, loyalty programs
with tiers and partner programs, segments with partitions, categories, vendors)
and customers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import laurels.kit.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

# Top-level tables known by a name unique (case-insensitively, via name_key) in the org.
NAMED = ("labels", "categories", "vendors", "loyalty_programs", "segments")


def _name_columns() -> list[sa.Column[str]]:
    return [
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
    ]


def _org_table(table: str, *columns: sa.Column[object], unique: tuple[str, ...]) -> None:
    """A table of org-owned reference rows: id, org_id, its own columns, description, timestamps."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        *columns,
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f(f"fk_{table}_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("org_id", *unique, name=op.f(f"uq_{table}_org_id_{'_'.join(unique)}")),
    )


def _child(table: str, parent_fk: str, parent: str, *extra: sa.Column[object]) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(parent_fk, sa.Integer(), nullable=False),
        *_name_columns(),
        *extra,
        sa.ForeignKeyConstraint(
            [parent_fk], [f"{parent}.id"], name=op.f(f"fk_{table}_{parent_fk}_{parent}"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint(parent_fk, "name_key", name=op.f(f"uq_{table}_{parent_fk}_name_key")),
    )


def upgrade() -> None:
    for table in NAMED:
        _org_table(table, *_name_columns(), unique=("name_key",))
    _org_table(
        "card_series",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("code_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        unique=("code_key",),
    )
    _org_table(
        "custom_field_definitions",
        *_name_columns(),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        unique=("scope", "name_key"),
    )
    _child("loyalty_tiers", "program_id", "loyalty_programs", sa.Column("rank", sa.Integer(), nullable=False))
    _child("loyalty_partner_programs", "program_id", "loyalty_programs")
    _child("segment_partitions", "segment_id", "segments")

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("tiers", JSON_DOC, nullable=False),
        sa.Column("labels", JSON_DOC, nullable=False),
        sa.Column("card_series", JSON_DOC, nullable=False),
        sa.Column("segments", JSON_DOC, nullable=False),
        sa.Column("partner_programs", JSON_DOC, nullable=False),
        sa.Column("country_id", sa.Integer(), nullable=True),
        sa.Column("created_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", laurels.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_customers_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("org_id", "user_id", name=op.f("uq_customers_org_id_user_id")),
    )


def downgrade() -> None:
    op.drop_table("customers")
    op.drop_table("segment_partitions")
    op.drop_table("loyalty_partner_programs")
    op.drop_table("loyalty_tiers")
    op.drop_table("custom_field_definitions")
    op.drop_table("card_series")
    for table in reversed(NAMED):
        op.drop_table(table)
