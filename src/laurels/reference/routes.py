"""Native API for reference data, at /v1: labels, card series, custom fields, loyalty
programs (with tiers and partner programs), segments (with partitions), categories,
vendors, and the built-in list of countries.

Every kind has the same five CRUD routes, built by ``kit.crud.add_crud_routes``
from the kind's service, as products' and competitions' are; the nested routes of tiers,
partner programs and partitions likewise by :func:`add_child_routes`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from laurels.kit import schema as js
from laurels.kit.crud import add_crud_routes, created_model, endpoint, enveloped, snake
from laurels.kit.errors import NotFound
from laurels.kit.http import DbSession, Envelope, Message, RowIdPath, error_responses, ok
from laurels.kit.unit import UnitRoute
from laurels.reference.countries import all_countries, country_by_ref
from laurels.reference.loyalty import (
    PARTITIONS,
    PARTNER_PROGRAMS,
    TIERS,
    ChildKind,
    LoyaltyProgramService,
    ParentService,
    SegmentService,
)
from laurels.reference.schemas import ChildCreate, CountryList, CountryOut, TierCreate, TierUpdate
from laurels.reference.service import (
    CardSeriesService,
    CategoryService,
    CustomFieldService,
    LabelService,
    ReferenceCode,
    VendorService,
)
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["reference data"], route_class=UnitRoute)

# countries.country_by_ref: a countryId (digits) or an ISO 3166-1 alpha-2 code, any case.
CountryRefPath = Annotated[
    str,
    Path(
        description="A countryId (e.g. 7) or an ISO 3166-1 alpha-2 code (e.g. AM, any case).",
        json_schema_extra=js.exactly({"type": "string", "pattern": "^([0-9]{1,3}|[A-Za-z]{2})$"}),
    ),
]


def add_child_routes(
    router: APIRouter,
    service_type: type[ParentService[Any]],
    kind: ChildKind,
    create_body: type[BaseModel],
    update_body: type[BaseModel] | None = None,
) -> None:
    """POST (and PUT, given an update body) and DELETE for one kind of child, under its parent."""
    parent = service_type.kind
    collection = f"{parent.path}/{{{parent.id_param}}}{kind.path}"
    one = f"{collection}/{{{kind.id_param}}}"
    rename = {"parent_id": parent.id_param, "child_id": kind.id_param}
    entity, of_parent = kind.entity.lower(), f"of a {parent.entity.lower()}"
    created = created_model(kind, kind.out)

    def create_child(
        principal: CatalogWriter, session: DbSession, parent_id: RowIdPath, body: BaseModel
    ) -> Envelope[Any]:
        child = service_type(session).add_child(principal.org_id, parent_id, kind, body.model_dump())
        return ok(created(**{kind.singular: kind.out.of(child)}))

    def update_child(
        principal: CatalogWriter, session: DbSession, parent_id: RowIdPath, child_id: RowIdPath, body: BaseModel
    ) -> Envelope[Any]:
        values = body.model_dump(include=body.model_fields_set)
        child = service_type(session).update_child(principal.org_id, parent_id, kind, child_id, values)
        return ok(kind.out.of(child))

    def delete_child(
        principal: CatalogWriter, session: DbSession, parent_id: RowIdPath, child_id: RowIdPath
    ) -> Envelope[Message]:
        service_type(session).delete_child(principal.org_id, parent_id, kind, child_id)
        return ok(Message(message=f"{kind.entity} deleted successfully"))

    router.add_api_route(
        collection,
        endpoint(
            create_child,
            name=f"create_{snake(entity)}",
            doc=f"Add a {entity} to a {parent.entity.lower()} (name unique in it, regardless of case).",
            params=rename,
            body=create_body,
        ),
        methods=["POST"],
        status_code=201,
        response_model=enveloped(created),
        responses=error_responses(400, 401, 403, 404, 409),
    )
    if update_body is not None:
        router.add_api_route(
            one,
            endpoint(
                update_child,
                name=f"update_{snake(entity)}",
                doc=f"Update a {entity} {of_parent}; fields left out keep their values.",
                params=rename,
                body=update_body,
            ),
            methods=["PUT"],
            response_model=enveloped(kind.out),
            responses=error_responses(400, 401, 403, 404, 409),
        )
    router.add_api_route(
        one,
        endpoint(
            delete_child,
            name=f"delete_{snake(entity)}",
            doc=f"Delete a {entity} {of_parent}; refused with 409 {kind.code}_IN_USE while a reward names it.",
            params=rename,
        ),
        methods=["DELETE"],
        response_model=Envelope[Message],
        responses=error_responses(400, 401, 403, 404, 409),
    )


# ---- countries: built in, read-only -------------------------------------------


@router.get("/countries", responses=error_responses(401, 403))
def list_countries(principal: CatalogReader) -> Envelope[CountryList]:
    """List every ISO 3166-1 country, in countryId order."""
    items = [CountryOut.of(c) for c in all_countries()]
    return ok(CountryList(countries=items, count=len(items)))


@router.get("/countries/{countryIdOrCode}", responses=error_responses(401, 403, 404))
def get_country(principal: CatalogReader, countryIdOrCode: CountryRefPath) -> Envelope[CountryOut]:
    """Get a country by its countryId (e.g. 7) or its ISO alpha-2 code (e.g. AM, any case)."""
    country = country_by_ref(countryIdOrCode)
    if country is None:
        raise NotFound("Country not found", code=ReferenceCode.COUNTRY_NOT_FOUND)
    return ok(CountryOut.of(country))


for _service in (
    LabelService,
    CardSeriesService,
    CustomFieldService,
    LoyaltyProgramService,
    SegmentService,
    CategoryService,
    VendorService,
):
    add_crud_routes(router, _service, reader=CatalogReader, writer=CatalogWriter)
add_child_routes(router, LoyaltyProgramService, TIERS, TierCreate, TierUpdate)
add_child_routes(router, LoyaltyProgramService, PARTNER_PROGRAMS, ChildCreate)
add_child_routes(router, SegmentService, PARTITIONS, ChildCreate)
