"""What issuing a reward writes: the issuance itself, the limits it took, what it delivered.

Every table here is written by one function, ``issuance.pipeline.issue``, in the
transaction of the request that issues; nothing is updated in Python from a
value read earlier. Counters and balances are changed only by conditional
statements (``SET used = used + :n WHERE used + :n <= :cap``) and carry CHECK
constraints, so a bug cannot drive them below zero or over their cap either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laurels.kit.db import Base, JSONDoc, UTCDateTime

# An issuance's states: issued, then redeemed (used at a till) or reversed (undone), never both.
ISSUED = "issued"
REDEEMED = "redeemed"
REVERSED = "reversed"

# The customer of a reward-level counter (across all customers): customers' ids start at 1.
EVERY_CUSTOMER = 0


class Issuance(Base):
    """One reward handed to one customer: who, what, when, why, and what was delivered."""

    __tablename__ = "issuances"
    __table_args__ = (
        UniqueConstraint("org_id", "transaction_id"),
        Index("ix_issuances_org_id_id", "org_id", "id"),
        Index("ix_issuances_org_id_customer_pk_id", "org_id", "customer_pk", "id"),
        # ROLLING limits sum what was issued since a moment, per reward and per customer.
        Index("ix_issuances_reward_pk_customer_pk_created_at", "reward_pk", "customer_pk", "created_at"),
        Index("ix_issuances_reward_pk_created_at", "reward_pk", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    transaction_id: Mapped[str] = mapped_column(String(64))
    # The record outlives the reward: deleting a reward keeps its issuances, which still
    # name it by reward_id and say what it was.
    reward_pk: Mapped[int | None] = mapped_column(ForeignKey("rewards.id", ondelete="SET NULL"))
    reward_id: Mapped[str] = mapped_column(String(64))
    reward_type: Mapped[str | None] = mapped_column(String(32))
    redemption_type: Mapped[str | None] = mapped_column(String(32))
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    user_id: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))  # grant, purchase, payout (later: campaign)
    campaign_id: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)  # what QUANTITY limits count
    value: Mapped[int] = mapped_column(BigInteger)  # what REDEMPTION_VALUE limits count
    delivered: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    # A purchase's payment: {mode, points, cash, cashPaymentRef}; null for a grant.
    payment: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    # The limit counters it took, each [limit key, customer pk, window start, amount]: what a
    # reversal gives back, whatever the reward's limits have become since.
    counted: Mapped[list[Any] | None] = mapped_column(JSONDoc, nullable=True)
    state: Mapped[str] = mapped_column(String(16))  # issued, redeemed, reversed
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reversal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LimitCounter(Base):
    """How much of one limit one window has used, for one customer or for all of them.

    ``limit_key`` is the limit's stable identity (``issuance.limits``): what the
    restriction is — level, KPI, window, frequency, interval, week start, cycle
    start — not where it stands in the list, so reordering or editing another
    entry never hands this counter to a different limit. ``cap`` is the limit
    as it stood when the counter last moved; the CHECK keeps ``used`` within it.
    """

    __tablename__ = "limit_counters"
    __table_args__ = (
        UniqueConstraint("reward_pk", "limit_key", "customer_pk", "window_start"),
        CheckConstraint("used >= 0", name="used_not_negative"),
        CheckConstraint("used <= cap", name="used_within_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    reward_pk: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"))
    limit_key: Mapped[str] = mapped_column(String(64))
    customer_pk: Mapped[int] = mapped_column(Integer)  # EVERY_CUSTOMER for a reward-level limit
    # The window's start; a lifetime (NO_LIMIT) or ROLLING limit keeps one row at the epoch.
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    used: Mapped[int] = mapped_column(BigInteger)
    cap: Mapped[int] = mapped_column(BigInteger)


class PointsAccount(Base):
    """A customer's points balance in the org; the database keeps it at zero or more."""

    __tablename__ = "points_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True, autoincrement=False)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    balance: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsEntry(Base):
    """One movement of a balance, never changed once written."""

    __tablename__ = "points_entries"
    __table_args__ = (
        Index("ix_points_entries_customer_pk_id", "customer_pk", "id"),
        Index("ix_points_entries_org_id_reference", "org_id", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # credit, debit, adjustment, reversal
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    issuance_pk: Mapped[int | None] = mapped_column(ForeignKey("issuances.id"))
    # An adjustment's public id (adj_…) and the operator's reason; null for an issuance's entry.
    reference: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CompetitionEntry(Base):
    """Entries a customer holds in a competition, from one issuance."""

    __tablename__ = "competition_entries"
    __table_args__ = (
        Index("ix_competition_entries_competition_pk_id", "competition_pk", "id"),
        CheckConstraint("entries > 0", name="entries_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    # A competition with entries cannot be deleted from under them.
    competition_pk: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="RESTRICT"))
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    user_id: Mapped[str] = mapped_column(String(128))
    entries: Mapped[int] = mapped_column(Integer)
    issuance_pk: Mapped[int] = mapped_column(ForeignKey("issuances.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdempotencyRecord(Base):
    """The first answer to a request sent with an ``Idempotency-Key``, replayed to its retries.

    Inserted first in the request's transaction, guarded by the unique key: a
    second request with the key waits for the first to commit (PostgreSQL) or
    runs after it (SQLite) and then finds its answer.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("org_id", "scope", "key"), Index("ix_idempotency_keys_created_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    scope: Mapped[str] = mapped_column(
        String(64)
    )  # the operation: grant, purchase, payout, points_adjustment, capillary_issue
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
