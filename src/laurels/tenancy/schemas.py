from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from laurels.kit.clock import iso_ms
from laurels.tenancy.models import Brand


class BrandCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"required": ["name"]})

    name: str | None = Field(
        default=None, description="Unique in the org; Capillary's user APIs address a brand by it."
    )


class BrandOut(BaseModel):
    brandId: int
    name: str
    createdAt: str

    @classmethod
    def of(cls, brand: Brand) -> BrandOut:
        return cls(brandId=brand.id, name=brand.name, createdAt=iso_ms(brand.created_at))


class BrandList(BaseModel):
    brands: list[BrandOut]
    count: int
