"""Products that product rewards grant. Never commits."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.kit import validation
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, NotFound
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import public_id, require_fields, text
from laurels.products.models import SKU_MAX, Product
from laurels.products.repository import ProductRepository
from laurels.products.schemas import ProductCreate, ProductUpdate


class ProductCode(StrEnum):
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"
    PRODUCT_ALREADY_EXISTS = "PRODUCT_ALREADY_EXISTS"
    PRODUCT_IN_USE = "PRODUCT_IN_USE"
    SKU_TAKEN = "SKU_TAKEN"
    INVALID_PRODUCT = "INVALID_PRODUCT"


def _stock(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise InvalidInput("stock must be zero or more, or null", code=ProductCode.INVALID_PRODUCT, field="stock")
    return value


class ProductService:
    def __init__(self, session: Session) -> None:
        self.repo = ProductRepository(session)

    def get(self, org_id: str, product_id: str, *, for_update: bool = False) -> Product:
        product = self.repo.get(org_id, product_id, for_update=for_update)
        if product is None:
            raise NotFound("Product not found", code=ProductCode.PRODUCT_NOT_FOUND)
        return product

    def list(self, org_id: str, *, cursor: str | None, limit: int) -> tuple[list[Product], str | None]:
        products = self.repo.page(org_id, after=decode_cursor(cursor), limit=limit)
        return products, next_cursor([p.id for p in products], limit)

    def create(self, org_id: str, body: ProductCreate) -> Product:
        require_fields(body.model_dump(), ("sku", "name"))
        product_id = public_id(body.productId, prefix="prod", field="productId", code=ProductCode.INVALID_PRODUCT)
        sku = text(body.sku, field="sku", code=ProductCode.INVALID_PRODUCT, max_length=SKU_MAX)
        if self.repo.exists(org_id, product_id):
            raise Conflict("Product with this ID already exists", code=ProductCode.PRODUCT_ALREADY_EXISTS)
        self._check_sku_free(org_id, sku)
        now = utcnow()
        product = Product(
            org_id=org_id,
            product_id=product_id,
            sku=sku,
            name=validation.name(body.name, code=ProductCode.INVALID_PRODUCT),
            description=body.description,
            stock=_stock(body.stock),
            created_at=now,
            updated_at=now,
        )
        try:
            return self.repo.add(product)
        except IntegrityError:
            # A concurrent create took the id or the SKU between our check and our insert.
            raise Conflict(
                "Product with this ID or SKU already exists", code=ProductCode.PRODUCT_ALREADY_EXISTS
            ) from None

    def update(self, org_id: str, product_id: str, body: ProductUpdate) -> Product:
        product = self.get(org_id, product_id, for_update=True)
        given = body.model_fields_set
        if "sku" in given:
            sku = text(body.sku, field="sku", code=ProductCode.INVALID_PRODUCT, max_length=SKU_MAX)
            if sku != product.sku:
                self._check_sku_free(org_id, sku)
            product.sku = sku
        if "name" in given:
            product.name = validation.name(body.name, code=ProductCode.INVALID_PRODUCT)
        if "description" in given:
            product.description = body.description
        if "stock" in given:
            product.stock = _stock(body.stock)
        if given:
            product.updated_at = utcnow()
            self.repo.flush()
        return product

    def delete(self, org_id: str, product_id: str) -> None:
        product = self.get(org_id, product_id, for_update=True)
        try:
            self.repo.delete(product)
        except IntegrityError:
            # A reward's foreign key to the product (ON DELETE RESTRICT) refused the delete.
            raise Conflict("Product is used by a reward", code=ProductCode.PRODUCT_IN_USE) from None

    def _check_sku_free(self, org_id: str, sku: str) -> None:
        if self.repo.sku_taken(org_id, sku):
            raise Conflict("sku is already used by another product", code=ProductCode.SKU_TAKEN, field="sku")
