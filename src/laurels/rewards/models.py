from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laurels.kit.db import Base, JSONDoc, UTCDateTime
from laurels.kit.validation import NAME_MAX


class Reward(Base):
    __tablename__ = "rewards"
    __table_args__ = (
        UniqueConstraint("org_id", "reward_id"),
        Index("ix_rewards_org_id_reward_type_id", "org_id", "reward_type", "id"),
        Index("ix_rewards_org_id_enabled_id", "org_id", "enabled", "id"),
        Index("ix_rewards_org_id_brand_id_id", "org_id", "brand_id", "id"),
        # The list's page is read from this index alone on PostgreSQL (an index-only scan), so
        # its planner takes it over walking the primary key past other orgs' rows (0009).
        Index("ix_rewards_org_id_id", "org_id", "id", postgresql_include=["version"]),
    )

    # Every dialect addresses the same reward: Capillary by this integer id,
    # Monterosa by the string reward_id. Both are unique, both resolve.
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    reward_id: Mapped[str] = mapped_column(String(64))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    # What is delivered, in seed 004's words; null for a seed 003 reward whose
    # redemption type has no seed 004 equivalent (see docs/reward-model.md).
    reward_type: Mapped[str | None] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDoc)
    # Seed 003's catalog fields that reads filter or sort on are columns ...
    category: Mapped[str | None] = mapped_column(String(32))
    redemption_type: Mapped[str | None] = mapped_column(String(32))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    priority: Mapped[int] = mapped_column(Integer, default=0)
    reward_rank: Mapped[int | None] = mapped_column(Integer)
    intouch_points: Mapped[int | None] = mapped_column(Integer)
    intouch_series_id: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str | None] = mapped_column(String(NAME_MAX))
    group_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    label: Mapped[str | None] = mapped_column(String(NAME_MAX))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id", ondelete="RESTRICT"), index=True)
    # ... and the rest are one document, keyed by their seed 003 names
    # (languageSpecificInfo, paymentConfigs, restrictions, ...).
    catalog: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(64))
    last_updated_by: Mapped[str | None] = mapped_column(String(64))
    # What the config names, as real foreign keys: a product, competition or
    # pool in use by a reward cannot disappear from under it.
    product_pk: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    competition_pk: Mapped[int | None] = mapped_column(ForeignKey("competitions.id", ondelete="RESTRICT"), index=True)
    code_pool_pk: Mapped[int | None] = mapped_column(ForeignKey("code_pools.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it from the class)
