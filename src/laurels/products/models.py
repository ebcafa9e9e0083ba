from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laurels.kit.db import Base, UTCDateTime
from laurels.kit.validation import NAME_MAX

SKU_MAX = 64


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("org_id", "product_id"),
        UniqueConstraint("org_id", "sku"),
        # Issuing takes stock with a conditional update; this keeps any other path honest too.
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        Index("ix_products_org_id_id", "org_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    product_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(SKU_MAX))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    # None means the product is not stock-tracked (e.g. a digital badge).
    stock: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
