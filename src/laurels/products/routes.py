"""Native CRUD for products, at /v1/products."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from laurels.kit import schema as js
from laurels.kit.http import DbSession, Envelope, Message, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from laurels.kit.unit import UnitRoute
from laurels.products.schemas import ProductCreate, ProductCreated, ProductList, ProductOut, ProductUpdate
from laurels.products.service import ProductService
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["products"], route_class=UnitRoute)

ProductIdPath = Annotated[str, Path(json_schema_extra=js.exactly(js.public_id("The product's productId.")))]
Cursor = Annotated[
    str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
]


@router.get("/products", responses=error_responses(400, 401, 403))
def list_products(
    principal: CatalogReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Envelope[ProductList]:
    """List the org's products, oldest first."""
    products, following = ProductService(session).list(principal.org_id, cursor=cursor, limit=limit)
    items = [ProductOut.of(p) for p in products]
    return ok(ProductList(products=items, count=len(items), nextCursor=following))


@router.post("/products", status_code=201, responses=error_responses(400, 401, 403, 409))
def create_product(principal: CatalogWriter, session: DbSession, body: ProductCreate) -> Envelope[ProductCreated]:
    """Create a product (SKU unique in the org)."""
    return ok(ProductCreated(product=ProductOut.of(ProductService(session).create(principal.org_id, body))))


@router.get("/products/{productId}", responses=error_responses(401, 403, 404))
def get_product(principal: CatalogReader, session: DbSession, productId: ProductIdPath) -> Envelope[ProductOut]:
    """Get a product."""
    return ok(ProductOut.of(ProductService(session).get(principal.org_id, productId)))


@router.put("/products/{productId}", responses=error_responses(400, 401, 403, 404, 409))
def update_product(
    principal: CatalogWriter, session: DbSession, productId: ProductIdPath, body: ProductUpdate
) -> Envelope[ProductOut]:
    """Update a product; fields left out keep their values."""
    return ok(ProductOut.of(ProductService(session).update(principal.org_id, productId, body)))


@router.delete("/products/{productId}", responses=error_responses(401, 403, 404, 409))
def delete_product(principal: CatalogWriter, session: DbSession, productId: ProductIdPath) -> Envelope[Message]:
    """Delete a product; refused with 409 PRODUCT_IN_USE while a reward grants it."""
    ProductService(session).delete(principal.org_id, productId)
    return ok(Message(message="Product deleted successfully"))
