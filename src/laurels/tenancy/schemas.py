from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, WithJsonSchema

from laurels.kit import schema as js
from laurels.kit.clock import iso_ms
from laurels.tenancy.models import Brand


class BrandCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=js.required("name"))

    name: Annotated[
        str | None,
        # TenancyService.create_brand strips the name, then takes 1 to 255 characters.
        WithJsonSchema(
            {
                "type": "string",
                "maxLength": 255,
                "pattern": js.NON_BLANK,
                "description": "1 to 255 characters; unique in the org regardless of case. Capillary's user APIs "
                "address a brand by it.",
            }
        ),
    ] = None


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
