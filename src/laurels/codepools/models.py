from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laurels.kit.db import Base, UTCDateTime
from laurels.kit.validation import NAME_MAX

CODE_MAX = 128
# Codes one upload (JSON or CSV) may carry: one request is one transaction, so
# this bounds how long an upload holds SQLite's write lock (well under a second).
UPLOAD_MAX = 10_000
# A CSV upload's size, checked before it is parsed.
CSV_MAX_MIB = 4
CSV_MAX_BYTES = CSV_MAX_MIB * 1024 * 1024
# What a code is: free to claim, or given out.
AVAILABLE = "available"
ISSUED = "issued"
REDEEMED = "redeemed"  # shown at a till: its issuance was redeemed
VOID = "void"  # its issuance was reversed before it was redeemed; never issued again
CODE_STATUSES = (AVAILABLE, ISSUED, REDEEMED, VOID)


class CodePool(Base):
    __tablename__ = "code_pools"
    __table_args__ = (UniqueConstraint("org_id", "code_pool_id"), Index("ix_code_pools_org_id_id", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    code_pool_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CouponCode(Base):
    __tablename__ = "coupon_codes"
    __table_args__ = (
        UniqueConstraint("pool_id", "code"),
        # Claiming takes the lowest-id available code of a pool; counting
        # available codes reads the same prefix.
        Index("ix_coupon_codes_pool_id_status_id", "pool_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("code_pools.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(CODE_MAX))
    status: Mapped[str] = mapped_column(String(16), default=AVAILABLE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The issuance that claimed the code; named by table, as the issuance package sits above this one.
    issuance_pk: Mapped[int | None] = mapped_column(ForeignKey("issuances.id"))
