"""Native API for reference data, at /v1: labels, card series, custom fields, loyalty
programs (with tiers and partner programs), segments (with partitions), categories,
vendors, and the built-in list of countries.

Every kind has the same five CRUD routes, so they are built once, by
:func:`add_crud_routes`, from the kind's service; the nested routes of tiers,
partner programs and partitions likewise by :func:`add_child_routes`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, create_model

from laurels.kit import schema as js
from laurels.kit.errors import NotFound
from laurels.kit.http import DbSession, Envelope, Message, RowIdPath, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
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
    Kind,
    LabelService,
    ReferenceCode,
    ReferenceService,
    VendorService,
)
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["reference data"], route_class=UnitRoute)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
Cursor = Annotated[
    str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
]
# countries.country_by_ref: a countryId (digits) or an ISO 3166-1 alpha-2 code, any case.
CountryRefPath = Annotated[
    str,
    Path(
        description="A countryId (e.g. 7) or an ISO 3166-1 alpha-2 code (e.g. AM, any case).",
        json_schema_extra=js.exactly({"type": "string", "pattern": "^([0-9]{1,3}|[A-Za-z]{2})$"}),
    ),
]

T = TypeVar("T")


# ---- building routes for a kind --------------------------------------------


def _endpoint(
    fn: Callable[..., T],
    *,
    name: str,
    doc: str,
    params: Mapping[str, str] | None = None,
    body: type[BaseModel] | None = None,
) -> Callable[..., T]:
    """``fn`` as FastAPI should see it for one kind.

    FastAPI reads a route's parameters from its endpoint's signature. The
    generic endpoints below are written once, with ``item_id`` (``parent_id``,
    ``child_id``) and ``body: BaseModel``; this gives a copy the kind's wire
    names (``labelId``) and body schema, and maps the names back on each call.
    """
    signature = inspect.signature(fn, eval_str=True)
    rename = {generic: wire for generic, wire in (params or {}).items() if generic in signature.parameters}
    parameters = [
        p.replace(name=rename.get(p.name, p.name), annotation=body if p.name == "body" and body else p.annotation)
        for p in signature.parameters.values()
    ]

    def endpoint(**kwargs: Any) -> T:
        for generic, wire in rename.items():
            kwargs[generic] = kwargs.pop(wire)
        return fn(**kwargs)

    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    return endpoint


def _enveloped(model: type[BaseModel]) -> Any:
    """``Envelope[model]`` for a model known only at runtime (mypy cannot check that)."""
    return Envelope[model]  # type: ignore[valid-type]


def _schema_name(kind: Kind) -> str:
    return kind.singular[0].upper() + kind.singular[1:]


def _list_model(kind: Kind, out: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        kind.plural: (list[out], ...),  # type: ignore[valid-type]
        "count": (int, Field(description="Number of items in this page.")),
        "nextCursor": (str | None, Field(description="Pass as `cursor` for the next page; null on the last page.")),
    }
    return create_model(f"{_schema_name(kind)}List", **fields)


def _created_model(kind: Kind, out: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {"message": (str, f"{kind.entity} created successfully"), kind.singular: (out, ...)}
    return create_model(f"{_schema_name(kind)}Created", **fields)


def _snake(words: str) -> str:
    return words.lower().replace(" ", "_").replace("-", "_")


def add_crud_routes(router: APIRouter, service_type: type[ReferenceService[Any]]) -> None:
    """GET list, POST, GET one, PUT and DELETE for one kind of reference data."""
    kind = service_type.kind
    out = service_type.out
    listed, created = _list_model(kind, out), _created_model(kind, out)
    entity, plural = kind.entity.lower(), kind.path.strip("/").replace("-", " ")
    one = f"{kind.path}/{{{kind.id_param}}}"
    rename = {"item_id": kind.id_param}

    def list_rows(
        principal: CatalogReader, session: DbSession, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
    ) -> Envelope[Any]:
        service = service_type(session)
        rows, following = service.list(principal.org_id, cursor=cursor, limit=limit)
        items = service.render(rows)
        return ok(listed(**{kind.plural: items, "count": len(items), "nextCursor": following}))

    def create_row(principal: CatalogWriter, session: DbSession, body: BaseModel) -> Envelope[Any]:
        service = service_type(session)
        [row] = service.render([service.create(principal.org_id, body)])
        return ok(created(**{kind.singular: row}))

    def get_row(principal: CatalogReader, session: DbSession, item_id: RowIdPath) -> Envelope[Any]:
        service = service_type(session)
        return ok(service.render([service.get(principal.org_id, item_id)])[0])

    def update_row(principal: CatalogWriter, session: DbSession, item_id: RowIdPath, body: BaseModel) -> Envelope[Any]:
        service = service_type(session)
        return ok(service.render([service.update(principal.org_id, item_id, body)])[0])

    def delete_row(principal: CatalogWriter, session: DbSession, item_id: RowIdPath) -> Envelope[Message]:
        service_type(session).delete(principal.org_id, item_id)
        return ok(Message(message=f"{kind.entity} deleted successfully"))

    router.add_api_route(
        kind.path,
        _endpoint(list_rows, name=f"list_{_snake(plural)}", doc=f"List the org's {plural}, oldest first."),
        methods=["GET"],
        response_model=_enveloped(listed),
        responses=error_responses(400, 401, 403),
    )
    router.add_api_route(
        kind.path,
        _endpoint(
            create_row,
            name=f"create_{_snake(entity)}",
            doc=f"Create a {entity} ({kind.key_field} unique in the org, regardless of case).",
            body=service_type.create_body,
        ),
        methods=["POST"],
        status_code=201,
        response_model=_enveloped(created),
        responses=error_responses(400, 401, 403, 409),
    )
    router.add_api_route(
        one,
        _endpoint(get_row, name=f"get_{_snake(entity)}", doc=f"Get a {entity}.", params=rename),
        methods=["GET"],
        response_model=_enveloped(out),
        responses=error_responses(400, 401, 403, 404),
    )
    router.add_api_route(
        one,
        _endpoint(
            update_row,
            name=f"update_{_snake(entity)}",
            doc=f"Update a {entity}; fields left out keep their values.",
            params=rename,
            body=service_type.update_body,
        ),
        methods=["PUT"],
        response_model=_enveloped(out),
        responses=error_responses(400, 401, 403, 404, 409),
    )
    router.add_api_route(
        one,
        _endpoint(
            delete_row,
            name=f"delete_{_snake(entity)}",
            doc=f"Delete a {entity}; refused with 409 {kind.code}_IN_USE while a reward names it.",
            params=rename,
        ),
        methods=["DELETE"],
        response_model=Envelope[Message],
        responses=error_responses(400, 401, 403, 404, 409),
    )


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
    created = _created_model(kind, kind.out)

    def create_child(
        principal: CatalogWriter, session: DbSession, parent_id: RowIdPath, body: BaseModel
    ) -> Envelope[Any]:
        child = service_type(session).add_child(principal.org_id, parent_id, kind, body)
        return ok(created(**{kind.singular: kind.out.of(child)}))

    def update_child(
        principal: CatalogWriter, session: DbSession, parent_id: RowIdPath, child_id: RowIdPath, body: BaseModel
    ) -> Envelope[Any]:
        child = service_type(session).update_child(principal.org_id, parent_id, kind, child_id, body)
        return ok(kind.out.of(child))

    def delete_child(
        principal: CatalogWriter, session: DbSession, parent_id: RowIdPath, child_id: RowIdPath
    ) -> Envelope[Message]:
        service_type(session).delete_child(principal.org_id, parent_id, kind, child_id)
        return ok(Message(message=f"{kind.entity} deleted successfully"))

    router.add_api_route(
        collection,
        _endpoint(
            create_child,
            name=f"create_{_snake(entity)}",
            doc=f"Add a {entity} to a {parent.entity.lower()} (name unique in it, regardless of case).",
            params=rename,
            body=create_body,
        ),
        methods=["POST"],
        status_code=201,
        response_model=_enveloped(created),
        responses=error_responses(400, 401, 403, 404, 409),
    )
    if update_body is not None:
        router.add_api_route(
            one,
            _endpoint(
                update_child,
                name=f"update_{_snake(entity)}",
                doc=f"Update a {entity} {of_parent}; fields left out keep their values.",
                params=rename,
                body=update_body,
            ),
            methods=["PUT"],
            response_model=_enveloped(kind.out),
            responses=error_responses(400, 401, 403, 404, 409),
        )
    router.add_api_route(
        one,
        _endpoint(
            delete_child,
            name=f"delete_{_snake(entity)}",
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
    add_crud_routes(router, _service)
add_child_routes(router, LoyaltyProgramService, TIERS, TierCreate, TierUpdate)
add_child_routes(router, LoyaltyProgramService, PARTNER_PROGRAMS, ChildCreate)
add_child_routes(router, SegmentService, PARTITIONS, ChildCreate)
