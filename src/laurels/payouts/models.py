"""Reward groups and payout schemes.

A group's items are rows, not a JSON list, so that every item names a real
reward (a foreign key) and the groups holding a reward can be found. A draft's
rules are one JSON document, as the client wrote them (normalized): an
unpublished draft may keep naming a group that has since been deleted (see
docs/payouts.md). What must never dangle is the *active* draft, so the groups it
names are also pinned in ``payout_draft_groups``, whose foreign key RESTRICTs
deleting them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laurels.kit.db import Base, JSONDoc, UTCDateTime
from laurels.kit.validation import NAME_MAX

GUID_LENGTH = 36


class RewardGroup(Base):
    __tablename__ = "reward_groups"
    # Unique names regardless of case: the constraint is on the folded name,
    # so two racing creates of "Gift cards" and "GIFT CARDS" cannot both win.
    __table_args__ = (
        UniqueConstraint("org_id", "reward_group_id"),
        UniqueConstraint("org_id", "name_key"),
        Index("ix_reward_groups_org_id_id", "org_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    reward_group_id: Mapped[str] = mapped_column(String(GUID_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Text, not String(255): casefold can lengthen a string ("ß" -> "ss").
    name_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RewardGroupItem(Base):
    """One reward of a group, in the group's order; deleting the reward deletes the item."""

    __tablename__ = "reward_group_items"
    __table_args__ = (UniqueConstraint("group_id", "reward_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("reward_groups.id", ondelete="CASCADE"))
    reward_pk: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)


class PayoutScheme(Base):
    __tablename__ = "payout_schemes"
    __table_args__ = (
        UniqueConstraint("org_id", "payout_scheme_id"),
        Index("ix_payout_schemes_org_id_id", "org_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    payout_scheme_id: Mapped[str] = mapped_column(String(GUID_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    # The highest draft version ever given out, so a deleted draft's number is never reused.
    last_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PayoutDraft(Base):
    """A version of a scheme's rules. Its status follows from two timestamps and one marker:
    draft (never published), published (``active``), superseded (published, then replaced)."""

    __tablename__ = "payout_scheme_drafts"
    __table_args__ = (
        UniqueConstraint("scheme_id", "draft_id"),
        UniqueConstraint("scheme_id", "version"),
        # At most one active draft per scheme, enforced by the database:
        # ``active`` is True for that one and NULL for every other, and a
        # unique constraint admits any number of NULLs (on both backends).
        UniqueConstraint("scheme_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("payout_schemes.id", ondelete="CASCADE"))
    draft_id: Mapped[str] = mapped_column(String(GUID_LENGTH))
    version: Mapped[int] = mapped_column(Integer)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    active: Mapped[bool | None] = mapped_column(Boolean)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def status(self) -> Literal["draft", "published", "superseded"]:
        if self.active:
            return "published"
        return "superseded" if self.published_at is not None else "draft"


class PayoutDraftGroup(Base):
    """A reward group the scheme's active draft names. Rows exist for active drafts only;
    the RESTRICT foreign key makes deleting such a group impossible, whatever the timing."""

    __tablename__ = "payout_draft_groups"

    draft_pk: Mapped[int] = mapped_column(ForeignKey("payout_scheme_drafts.id", ondelete="CASCADE"), primary_key=True)
    group_pk: Mapped[int] = mapped_column(
        ForeignKey("reward_groups.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
