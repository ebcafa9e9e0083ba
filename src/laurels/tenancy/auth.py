"""FastAPI dependencies that authenticate a request and check its scope."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPBasic, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from laurels.kit.db import Database
from laurels.kit.errors import CommonCode, Forbidden, Unauthorized
from laurels.tenancy import keycache
from laurels.tenancy.repository import TenancyRepository
from laurels.tenancy.scopes import Scope, grants
from laurels.tenancy.service import Principal, TenancyService


def _credentials(authorization: str | None) -> tuple[str, str]:
    if not authorization:
        raise Unauthorized("Missing API key: send Authorization: Bearer <key> or HTTP Basic")
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        key_id, sep, secret = value.partition(".")
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("Malformed HTTP Basic credentials") from None
        key_id, sep, secret = decoded.partition(":")
    else:
        raise Unauthorized(f"Unsupported authorization scheme {scheme!r}")
    if not sep or not key_id or not secret:
        raise Unauthorized("Malformed API key")
    return key_id, secret


# Security schemes that only document themselves: ``authenticate`` reads the header.
# FastAPI's own schemes answer some malformed credentials with their own 401 (HTTP
# Basic does, even with ``auto_error=False``); Laurels keeps its messages and codes,
# so these declare the schemes for the OpenAPI document and /docs' Authorize button
# and leave every check to :func:`authenticate`.


class _Bearer(HTTPBearer):
    async def __call__(self, request: HTTPConnection) -> None:
        return None


class _Basic(HTTPBasic):
    async def __call__(self, request: HTTPConnection) -> None:
        return None


bearer_scheme = _Bearer(
    scheme_name="HTTPBearer",
    bearerFormat="<keyId>.<secret>",
    description="An API key: `laurels org create` or `laurels apikey create` print it.",
)
basic_scheme = _Basic(
    scheme_name="HTTPBasic", description="The API key's id as the user name and its secret as the password."
)

# Orgs are named by their id, a UUID; any other value names no org the key may act for.
_ORG_HEADER = {"type": "string", "format": "uuid"}


def _org_refused(exc: Forbidden, header: str) -> Forbidden:
    """``exc`` (the service's refusal of the org named) naming the header the client actually sent."""
    return Forbidden(f"This API key may not act for the org named in {header}", code=exc.code, field=header)


async def authenticate(
    request: Request,
    _bearer: Annotated[None, Security(bearer_scheme)],
    _basic: Annotated[None, Security(basic_scheme)],
    x_monterosa_org_id: Annotated[
        str | None, Header(description="Org to act for (Monterosa).", json_schema_extra=_ORG_HEADER)
    ] = None,
    x_org_id: Annotated[str | None, Header(description="Org to act for.", json_schema_extra=_ORG_HEADER)] = None,
) -> Principal:
    """The caller, from the per-process key cache; the database is asked only on a miss.

    A miss is resolved in a read session of its own, before the request's own
    unit of work begins (kit/unit.py), so no write transaction ever waits on it.
    """
    authorization = request.headers.get("authorization")
    named = {h for h in (x_monterosa_org_id, x_org_id) if h}
    if len(named) > 1:
        raise Forbidden("X-Monterosa-Org-ID and X-Org-ID name different orgs", code="ORG_NOT_ALLOWED")
    requested = next(iter(named), None)
    digest = keycache.credentials_digest(authorization or "", requested)
    cached = keycache.keys.get(digest)
    if cached is not None:
        return cached
    key_id, secret = _credentials(authorization)
    db: Database = request.app.state.db
    try:
        principal = await run_in_threadpool(_resolve, db, key_id, secret, requested)
    except Forbidden as exc:
        if exc.code != CommonCode.ORG_NOT_ALLOWED:
            raise
        sent = [name for name, value in (("X-Monterosa-Org-ID", x_monterosa_org_id), ("X-Org-ID", x_org_id)) if value]
        raise _org_refused(exc, " and ".join(sent)) from None
    keycache.keys.put(digest, principal)
    return principal


def _resolve(db: Database, key_id: str, secret: str, requested_org: str | None) -> Principal:
    with db.session(write=False) as session:
        return TenancyService(TenancyRepository(session)).authenticate(key_id, secret, requested_org)


def require(scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def _check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not grants(principal.scopes, scope):
            raise Forbidden(f"This API key lacks the scope {scope}", code="INSUFFICIENT_SCOPE")
        return principal

    return _check


# The catalog (rewards and what they reference) is read and changed under these two scopes.
CatalogReader = Annotated[Principal, Depends(require(Scope.REWARDS_READ))]
CatalogWriter = Annotated[Principal, Depends(require(Scope.REWARDS_WRITE))]

# Reward groups and payout schemes.
GroupsReader = Annotated[Principal, Depends(require(Scope.GROUPS_READ))]
GroupsWriter = Annotated[Principal, Depends(require(Scope.GROUPS_WRITE))]
