"""Brands of the acting org, at /v1/brands (Capillary's rewards are addressed per brand)."""

from __future__ import annotations

from fastapi import APIRouter

from laurels.kit.http import DbSession, Envelope, error_responses, ok
from laurels.kit.unit import UnitRoute
from laurels.kit.validation import require_fields
from laurels.tenancy.auth import CatalogReader, CatalogWriter
from laurels.tenancy.schemas import BrandCreate, BrandList, BrandOut
from laurels.tenancy.service import TenancyService

router = APIRouter(tags=["brands"], route_class=UnitRoute)


@router.get("/brands", responses=error_responses(401, 403))
def list_brands(principal: CatalogReader, session: DbSession) -> Envelope[BrandList]:
    """The org's brands."""
    brands = [BrandOut.of(b) for b in TenancyService(session).brands(principal.org_id)]
    return ok(BrandList(brands=brands, count=len(brands)))


@router.post("/brands", status_code=201, responses=error_responses(400, 401, 403, 409))
def create_brand(principal: CatalogWriter, session: DbSession, body: BrandCreate) -> Envelope[BrandOut]:
    """Create a brand (409 BRAND_EXISTS if the name is taken in the org)."""
    require_fields(body.model_dump(), ("name",))
    brand = TenancyService(session).create_brand(principal.org_id, body.name or "")
    return ok(BrandOut.of(brand))
