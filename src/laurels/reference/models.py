"""Reference data tables.

Rewards and customers name these rows by their integer primary key ``id``
(card series by ``code``, custom fields by ``name``). Names are unique in their
scope without regard to case: each table keeps ``<column>_key``, the folded
form (``str.casefold``), and the unique constraint is on that, so "VIP" and
"vip" cannot both exist even when two creates race.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laurels.kit.db import Base, UTCDateTime
from laurels.kit.validation import NAME_MAX


class OrgRow:
    """Columns of every top-level reference row: an org's, named, with a description and timestamps."""

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NamedOrgRow(OrgRow):
    """A reference row known by a name unique in its org (case-insensitively)."""

    # Text, not String(255): casefold can lengthen a string ("ß" -> "ss").
    name_key: Mapped[str] = mapped_column(Text)


class Label(NamedOrgRow, Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("org_id", "name_key"), Index("ix_labels_org_id_id", "org_id", "id"))


class Category(NamedOrgRow, Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("org_id", "name_key"), Index("ix_categories_org_id_id", "org_id", "id"))


class Vendor(NamedOrgRow, Base):
    __tablename__ = "vendors"
    __table_args__ = (UniqueConstraint("org_id", "name_key"), Index("ix_vendors_org_id_id", "org_id", "id"))


class CardSeries(OrgRow, Base):
    """Known by ``code`` (what rewards and customers name); ``name`` is a label for people."""

    __tablename__ = "card_series"
    __table_args__ = (UniqueConstraint("org_id", "code_key"), Index("ix_card_series_org_id_id", "org_id", "id"))

    code: Mapped[str] = mapped_column(String(64))
    code_key: Mapped[str] = mapped_column(String(64))


class CustomFieldDefinition(OrgRow, Base):
    """A custom field rewards (scope ``reward``) or issuances (``issuance``) may carry, by ``name``."""

    __tablename__ = "custom_field_definitions"
    __table_args__ = (
        UniqueConstraint("org_id", "scope", "name_key"),
        Index("ix_custom_field_definitions_org_id_id", "org_id", "id"),
    )

    name_key: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(16))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)


class LoyaltyProgram(NamedOrgRow, Base):
    __tablename__ = "loyalty_programs"
    __table_args__ = (UniqueConstraint("org_id", "name_key"), Index("ix_loyalty_programs_org_id_id", "org_id", "id"))


class Segment(NamedOrgRow, Base):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("org_id", "name_key"), Index("ix_segments_org_id_id", "org_id", "id"))


# ---- children: they belong to an org through their parent ----------------
# The foreign keys cascade, and the services delete children explicitly too,
# so SQLite and PostgreSQL end in the same state whatever their FK settings.


class NamedChild:
    """A tier, partner program or partition: named uniquely (case-insensitively) within its parent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_key: Mapped[str] = mapped_column(Text)


class Tier(NamedChild, Base):
    __tablename__ = "loyalty_tiers"
    __table_args__ = (UniqueConstraint("program_id", "name_key"),)

    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programs.id", ondelete="CASCADE"))
    # Position in the program's ladder, 1 = lowest; not unique (two tiers may share a rank).
    rank: Mapped[int] = mapped_column(Integer)


class PartnerProgram(NamedChild, Base):
    __tablename__ = "loyalty_partner_programs"
    __table_args__ = (UniqueConstraint("program_id", "name_key"),)

    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programs.id", ondelete="CASCADE"))


class Partition(NamedChild, Base):
    __tablename__ = "segment_partitions"
    __table_args__ = (UniqueConstraint("segment_id", "name_key"),)

    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))


class RewardReference(Base):
    """One piece of reference data a reward names: the reverse index "is it in use" reads.

    The reward's document stays the source of truth (ids live in its JSON); the
    reward repository rewrites these rows whenever the set of what the reward
    names changes, so "is label 7 in use" is one indexed query instead of a scan
    of every reward. ``kind`` is the reference kind as in
    ``reference.service.ReferenceCode`` (LABEL, CARD_SERIES, TIER, ...) and
    ``key`` how rewards name the row, as text: the integer id, or a card
    series' code, or a custom field's name.

    It lives here, with the rows it points at, so that reference data can ask
    "is this in use" without importing the rewards above it; the rewards
    package writes it.

    There is no foreign key to the referenced rows (the kinds live in ten
    tables and two of them are named by text); what keeps a named row from
    being deleted is the lock protocol in ``rewards.references``.
    """

    __tablename__ = "reward_references"
    __table_args__ = (Index("ix_reward_references_org_id_kind_key", "org_id", "kind", "key"),)

    reward_pk: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
