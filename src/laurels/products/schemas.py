from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from laurels.kit import schema as js
from laurels.kit.clock import iso_ms
from laurels.kit.types import NonNegativeInt32
from laurels.kit.validation import NAME_MAX
from laurels.products.models import SKU_MAX, Product

_ID = js.public_id("Id of your choosing; generated (prod_<uuid>) if absent.")
_SKU = js.name(SKU_MAX, "Stock keeping unit, unique in the org.")
_NAME = js.name(NAME_MAX)
_DESCRIPTION: js.JsonSchema = {"type": ["string", "null"], "description": "Any text; null clears it."}


class ProductCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("sku", "name"))

    productId: Annotated[str | None, WithJsonSchema(js.nullable(_ID))] = None
    sku: Annotated[str | None, WithJsonSchema(_SKU)] = None
    name: Annotated[str | None, WithJsonSchema(_NAME)] = None
    description: Annotated[str | None, WithJsonSchema(_DESCRIPTION)] = None
    stock: NonNegativeInt32 | None = Field(
        default=None, description="Units on hand; null when the product is not stock-tracked."
    )


class ProductUpdate(BaseModel):
    """Fields left out keep their values."""

    sku: Annotated[str | None, WithJsonSchema(_SKU)] = None
    name: Annotated[str | None, WithJsonSchema(_NAME)] = None
    description: Annotated[str | None, WithJsonSchema(_DESCRIPTION)] = None
    stock: NonNegativeInt32 | None = Field(default=None, description="Units on hand; null: not stock-tracked.")


class ProductOut(BaseModel):
    productId: str
    sku: str
    name: str
    description: str | None
    stock: int | None
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        return cls(
            productId=product.product_id,
            sku=product.sku,
            name=product.name,
            description=product.description,
            stock=product.stock,
            createdAt=iso_ms(product.created_at),
            updatedAt=iso_ms(product.updated_at),
        )
