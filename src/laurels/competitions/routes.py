"""Native CRUD for competitions, at /v1/competitions: the five routes of kit.crud."""

from __future__ import annotations

from fastapi import APIRouter

from laurels.competitions.service import CompetitionService
from laurels.kit.crud import add_crud_routes
from laurels.kit.unit import UnitRoute
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["competitions"], route_class=UnitRoute)
add_crud_routes(router, CompetitionService, reader=CatalogReader, writer=CatalogWriter)
