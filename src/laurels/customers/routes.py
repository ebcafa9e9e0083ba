"""Native API for customers, at /v1/customers (scopes customers:read / customers:write)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from laurels.customers.schemas import USER_ID_MAX, CustomerList, CustomerOut, CustomerUpsert
from laurels.customers.service import CustomerService
from laurels.kit import schema as js
from laurels.kit.http import DbSession, Envelope, Message, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from laurels.kit.unit import UnitRoute
from laurels.tenancy.auth import require
from laurels.tenancy.scopes import Scope
from laurels.tenancy.service import Principal

router = APIRouter(tags=["customers"], route_class=UnitRoute)

CustomersReader = Annotated[Principal, Depends(require(Scope.CUSTOMERS_READ))]
CustomersWriter = Annotated[Principal, Depends(require(Scope.CUSTOMERS_WRITE))]
# customers.service checks a userId with kit.validation.text: one line, not blank.
UserIdPath = Annotated[
    str, Path(description="The customer's id in your systems.", json_schema_extra=js.exactly(js.name(USER_ID_MAX)))
]


@router.get("/customers", responses=error_responses(400, 401, 403))
def list_customers(
    principal: CustomersReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None, Query(description="nextCursor of the previous page", json_schema_extra=js.exactly(js.CURSOR))
    ] = None,
) -> Envelope[CustomerList]:
    """List the org's customers, oldest first."""
    customers, following = CustomerService(session).list(principal.org_id, cursor=cursor, limit=limit)
    items = [CustomerOut.of(c) for c in customers]
    return ok(CustomerList(customers=items, count=len(items), nextCursor=following))


@router.put(
    "/customers/{userId}",
    responses={201: {"model": Envelope[CustomerOut], "description": "Created"}, **error_responses(400, 401, 403)},
)
def upsert_customer(
    principal: CustomersWriter, session: DbSession, userId: UserIdPath, body: CustomerUpsert, response: Response
) -> Envelope[CustomerOut]:
    """Create (201) or update (200) the customer with this userId; fields left out keep their values.

    Every label, card series, tier, segment partition, partner program and country named must exist in the org.
    """
    customer, created = CustomerService(session).upsert(principal.org_id, userId, body.model_dump(exclude_unset=True))
    response.status_code = 201 if created else 200
    return ok(CustomerOut.of(customer))


@router.get("/customers/{userId}", responses=error_responses(401, 403, 404))
def get_customer(principal: CustomersReader, session: DbSession, userId: UserIdPath) -> Envelope[CustomerOut]:
    """Get a customer."""
    return ok(CustomerOut.of(CustomerService(session).get(principal.org_id, userId)))


@router.delete("/customers/{userId}", responses=error_responses(401, 403, 404, 409))
def delete_customer(principal: CustomersWriter, session: DbSession, userId: UserIdPath) -> Envelope[Message]:
    """Delete a customer."""
    CustomerService(session).delete(principal.org_id, userId)
    return ok(Message(message="Customer deleted successfully"))
