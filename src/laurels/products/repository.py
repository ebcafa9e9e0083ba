from __future__ import annotations

from sqlalchemy import select

from laurels.kit.repository import OrgScopedRepository
from laurels.products.models import Product


class ProductRepository(OrgScopedRepository[Product]):
    model = Product
    public_id = Product.product_id

    def sku_taken(self, org_id: str, sku: str, *, other_than: int | None = None) -> bool:
        stmt = select(Product.id).where(Product.org_id == org_id, Product.sku == sku)
        if other_than is not None:
            stmt = stmt.where(Product.id != other_than)
        return self.session.scalar(stmt) is not None
