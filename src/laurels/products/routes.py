"""Native CRUD for products, at /v1/products: the five routes of kit.crud."""

from __future__ import annotations

from fastapi import APIRouter

from laurels.kit.crud import add_crud_routes
from laurels.kit.unit import UnitRoute
from laurels.products.service import ProductService
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["products"], route_class=UnitRoute)
add_crud_routes(router, ProductService, reader=CatalogReader, writer=CatalogWriter)
