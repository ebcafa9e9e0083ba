"""Native CRUD for code pools and their coupon codes, at /v1/code-pools."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query

from laurels.codepools.models import CODE_STATUSES, CSV_MAX_BYTES
from laurels.codepools.schemas import (
    CodePoolCreate,
    CodePoolCreated,
    CodePoolList,
    CodePoolOut,
    CodePoolUpdate,
    CodesAdd,
    CodesAdded,
    CodesCsv,
    CodesGenerate,
    CouponCodeList,
    CouponCodeOut,
)
from laurels.codepools.service import CodePoolService, CodeUpload
from laurels.kit.http import DbSession, Envelope, Message, error_responses, ok
from laurels.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from laurels.kit.unit import UnitRoute
from laurels.tenancy.auth import CatalogReader, CatalogWriter

router = APIRouter(tags=["code pools"], route_class=UnitRoute)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
Cursor = Annotated[str | None, Query(description="nextCursor of the previous page")]


def _added(upload: CodeUpload) -> Envelope[CodesAdded]:
    return ok(
        CodesAdded(added=upload.added, duplicates=upload.duplicates, available=upload.available, total=upload.total)
    )


@router.get("/code-pools", responses=error_responses(400, 401, 403))
def list_code_pools(
    principal: CatalogReader, session: DbSession, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> Envelope[CodePoolList]:
    """List the org's code pools with their code counts, oldest first, a page at a time."""
    page = CodePoolService(session).list(principal.org_id, cursor=cursor, limit=limit)
    items = [CodePoolOut.of(p, page.counts[p.id]) for p in page.pools]
    return ok(CodePoolList(codePools=items, count=len(items), nextCursor=page.next_cursor))


@router.post("/code-pools", status_code=201, responses=error_responses(400, 401, 403, 409))
def create_code_pool(principal: CatalogWriter, session: DbSession, body: CodePoolCreate) -> Envelope[CodePoolCreated]:
    """Create an empty code pool; add codes to it with the codes routes."""
    pool = CodePoolService(session).create(principal.org_id, body.model_dump())
    return ok(CodePoolCreated(codePool=CodePoolOut.of(pool, (0, 0))))


@router.get("/code-pools/{codePoolId}", responses=error_responses(401, 403, 404))
def get_code_pool(principal: CatalogReader, session: DbSession, codePoolId: str) -> Envelope[CodePoolOut]:
    """Get a code pool with its counts of available and all codes."""
    service = CodePoolService(session)
    pool = service.get(principal.org_id, codePoolId)
    return ok(CodePoolOut.of(pool, service.counts(pool)))


@router.put("/code-pools/{codePoolId}", responses=error_responses(400, 401, 403, 404))
def update_code_pool(
    principal: CatalogWriter, session: DbSession, codePoolId: str, body: CodePoolUpdate
) -> Envelope[CodePoolOut]:
    """Update a code pool's name or description."""
    service = CodePoolService(session)
    pool = service.update(principal.org_id, codePoolId, body.model_dump(exclude_unset=True))
    return ok(CodePoolOut.of(pool, service.counts(pool)))


@router.delete("/code-pools/{codePoolId}", responses=error_responses(401, 403, 404, 409))
def delete_code_pool(principal: CatalogWriter, session: DbSession, codePoolId: str) -> Envelope[Message]:
    """Delete a code pool and all its codes; refused (409) while a reward draws from it."""
    CodePoolService(session).delete(principal.org_id, codePoolId)
    return ok(Message(message="Code pool deleted successfully"))


@router.post("/code-pools/{codePoolId}/codes", responses=error_responses(400, 401, 403, 404))
def add_codes(principal: CatalogWriter, session: DbSession, codePoolId: str, body: CodesAdd) -> Envelope[CodesAdded]:
    """Add 1 to 10,000 codes; codes already in the pool or repeated in the upload come back as duplicates."""
    return _added(CodePoolService(session).add_codes(principal.org_id, codePoolId, body.model_dump()))


@router.post("/code-pools/{codePoolId}/codes/csv", responses=error_responses(400, 401, 403, 404))
def upload_codes_csv(
    principal: CatalogWriter,
    session: DbSession,
    codePoolId: str,
    body: Annotated[CodesCsv, File()],
) -> Envelope[CodesAdded]:
    """Add the codes of a CSV file, with the same rules and answer as the JSON upload."""
    content = body.file.file.read(CSV_MAX_BYTES + 1)
    return _added(CodePoolService(session).add_csv(principal.org_id, codePoolId, content))


@router.post("/code-pools/{codePoolId}/codes/generate", responses=error_responses(400, 401, 403, 404))
def generate_codes(
    principal: CatalogWriter, session: DbSession, codePoolId: str, body: CodesGenerate
) -> Envelope[CodesAdded]:
    """Add exactly `count` new random codes, `prefix` followed by `length` unambiguous characters."""
    return _added(CodePoolService(session).generate(principal.org_id, codePoolId, body.model_dump()))


@router.get("/code-pools/{codePoolId}/codes", responses=error_responses(400, 401, 403, 404))
def list_codes(
    *,
    principal: CatalogReader,
    session: DbSession,
    codePoolId: str,
    status: Annotated[
        str | None, Query(description=" or ".join(CODE_STATUSES), json_schema_extra={"enum": list(CODE_STATUSES)})
    ] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Envelope[CouponCodeList]:
    """List a pool's codes, oldest first, optionally only the available or the issued ones."""
    page = CodePoolService(session).list_codes(principal.org_id, codePoolId, status=status, cursor=cursor, limit=limit)
    items = [CouponCodeOut.of(c) for c in page.codes]
    return ok(CouponCodeList(codes=items, count=len(items), nextCursor=page.next_cursor))
