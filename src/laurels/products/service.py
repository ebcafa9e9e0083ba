"""Products that product rewards grant: a CRUD domain (kit.crud). Never commits."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from laurels.kit import validation
from laurels.kit.crud import CrudService, Kind
from laurels.kit.errors import Conflict, InvalidInput
from laurels.products.models import SKU_MAX, Product
from laurels.products.schemas import ProductCreate, ProductOut, ProductUpdate


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


class ProductService(CrudService[Product]):
    kind = Kind(
        entity="Product",
        singular="product",
        plural="products",
        path="/products",
        id_param="productId",
        code="PRODUCT",
        codes=ProductCode,
        key_field="sku",
        unique="SKU unique in the org",
        used_by="a reward grants it",
        id_prefix="prod",
        invalid=ProductCode.INVALID_PRODUCT,
    )
    model = Product
    public_id = Product.product_id
    create_body = ProductCreate
    update_body = ProductUpdate
    out = ProductOut
    required = ("sku", "name")

    def assign(self, row: Product, values: Mapping[str, Any]) -> None:
        if "sku" in values:
            row.sku = validation.text(values["sku"], field="sku", code=ProductCode.INVALID_PRODUCT, max_length=SKU_MAX)
        if "name" in values:
            row.name = validation.name(values["name"], code=ProductCode.INVALID_PRODUCT)
        if "description" in values:
            row.description = values["description"]
        if "stock" in values:
            row.stock = _stock(values["stock"])

    def key(self, row: Product) -> dict[str, Any]:
        # SKUs compare as written: stock systems treat "ab-1" and "AB-1" as two SKUs.
        return {"sku": row.sku}

    def key_taken(self) -> Conflict:
        return Conflict("sku is already used by another product", code=ProductCode.SKU_TAKEN, field="sku")
