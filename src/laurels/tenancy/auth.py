"""FastAPI dependencies that authenticate a request and check its scope."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from laurels.kit.errors import Forbidden, Unauthorized
from laurels.kit.http import DbSession
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


def authenticate(
    request: Request,
    session: DbSession,
    x_monterosa_org_id: Annotated[str | None, Header(description="Org to act for (Monterosa).")] = None,
    x_org_id: Annotated[str | None, Header(description="Org to act for.")] = None,
) -> Principal:
    key_id, secret = _credentials(request.headers.get("authorization"))
    named = {h for h in (x_monterosa_org_id, x_org_id) if h}
    if len(named) > 1:
        raise Forbidden("X-Monterosa-Org-ID and X-Org-ID name different orgs", code="ORG_NOT_ALLOWED")
    service = TenancyService(TenancyRepository(session))
    return service.authenticate(key_id, secret, next(iter(named), None))


def require(scope: str) -> Callable[[Principal], Principal]:
    def _check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
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
