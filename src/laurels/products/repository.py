from __future__ import annotations

from laurels.kit.repository import OrgScopedRepository
from laurels.products.models import Product


class ProductRepository(OrgScopedRepository[Product]):
    model = Product
    ident = Product.product_id
