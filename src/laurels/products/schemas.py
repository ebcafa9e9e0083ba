from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from laurels.kit.clock import iso_ms
from laurels.kit.types import NonNegativeInt32
from laurels.products.models import Product


class ProductCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["sku", "name"]})

    productId: str | None = Field(default=None, description="Id of your choosing; generated (prod_<uuid>) if absent.")
    sku: str | None = Field(default=None, description="Stock keeping unit, unique in the org.")
    name: str | None = None
    description: str | None = None
    stock: NonNegativeInt32 | None = Field(
        default=None, description="Units on hand; null when the product is not stock-tracked."
    )


class ProductUpdate(BaseModel):
    """Fields left out keep their values."""

    sku: str | None = None
    name: str | None = None
    description: str | None = None
    stock: NonNegativeInt32 | None = None


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


class ProductCreated(BaseModel):
    message: str = "Product created successfully"
    product: ProductOut


class ProductList(BaseModel):
    products: list[ProductOut]
    count: int
    nextCursor: str | None
