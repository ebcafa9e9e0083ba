"""reward_references: the reference data each reward names, as rows, so "is it in use" is one
indexed query; back-filled from the rewards' documents

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BATCH = 500


def _referenced_keys(catalog: Mapping[str, Any], vendor_id: int | None) -> set[tuple[str, str]]:
    """What a reward's document names, as ``rewards.references.referenced_keys`` read it when this
    revision was written (copied, not imported: a migration must not change when the code does)."""
    keys: set[tuple[str, Any]] = set()
    keys |= {("LABEL", v) for v in catalog.get("labels") or []}
    keys |= {("CARD_SERIES", v) for v in catalog.get("cardSeries") or []}
    keys |= {("CATEGORY", v) for v in catalog.get("categories") or []}
    if vendor_id is not None:
        keys.add(("VENDOR", vendor_id))
    fields = set(catalog.get("customFields") or {})
    for entry in catalog.get("languageSpecificInfo") or []:
        fields |= set(entry.get("customFields") or {})
    keys |= {("CUSTOM_FIELD", name) for name in fields}
    for criterion in catalog.get("supplementaryCriteriaRO") or []:
        keys.add(("LOYALTY_PROGRAM", criterion["loyaltyProgramId"]))
        keys |= {("TIER", t) for t in criterion.get("tierIds") or []}
        keys |= {("PARTNER_PROGRAM", p) for p in criterion.get("partnerProgramIds") or []}
    for entry in catalog.get("segment") or []:
        keys.add(("SEGMENT", entry["segmentId"]))
        keys |= {("PARTITION", p) for p in entry.get("partitionId") or []}
    return {(kind, str(key)) for kind, key in keys}


def _backfill_rows(conn: sa.Connection) -> Iterator[list[dict[str, Any]]]:
    rewards = sa.table(
        "rewards",
        sa.column("id", sa.Integer()),
        sa.column("org_id", sa.String()),
        sa.column("vendor_id", sa.Integer()),
        sa.column("catalog", JSON_DOC),
    )
    after = 0
    while True:
        # Keyset pages, so a large catalog is never held in memory at once.
        stmt = (
            sa.select(rewards.c.id, rewards.c.org_id, rewards.c.vendor_id, rewards.c.catalog)
            .where(rewards.c.id > after)
            .order_by(rewards.c.id)
            .limit(BATCH)
        )
        page = conn.execute(stmt).all()
        if not page:
            return
        yield [
            {"reward_pk": pk, "org_id": org_id, "kind": kind, "key": key}
            for pk, org_id, vendor_id, catalog in page
            for kind, key in sorted(_referenced_keys(catalog or {}, vendor_id))
        ]
        after = page[-1][0]


def upgrade() -> None:
    table = op.create_table(
        "reward_references",
        sa.Column("reward_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_reward_references_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["reward_pk"], ["rewards.id"], name=op.f("fk_reward_references_reward_pk_rewards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("reward_pk", "kind", "key", name=op.f("pk_reward_references")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reward_references_org_id_kind_key", "reward_references", ["org_id", "kind", "key"])
    conn = op.get_bind()
    for rows in _backfill_rows(conn):
        if rows:
            conn.execute(sa.insert(table), rows)


def downgrade() -> None:
    op.drop_index("ix_reward_references_org_id_kind_key", table_name="reward_references")
    op.drop_table("reward_references")
