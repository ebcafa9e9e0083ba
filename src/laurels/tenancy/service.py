"""Creating tenants and keys, and turning a presented key into a principal."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from laurels.kit.validation import NAME_MAX, fold
from laurels.tenancy import keycache
from laurels.tenancy.models import ApiKey, Brand, Org
from laurels.tenancy.repository import TenancyRepository
from laurels.tenancy.scopes import ALL_SCOPES

KEY_PREFIX = "lk_"


class TenancyCode(StrEnum):
    ORG_NOT_FOUND = "ORG_NOT_FOUND"
    ORG_NOT_ALLOWED = "ORG_NOT_ALLOWED"
    BRAND_EXISTS = "BRAND_EXISTS"
    API_KEY_NOT_FOUND = "API_KEY_NOT_FOUND"
    INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key, and the org the request acts for."""

    key_id: str
    key_org_id: str
    org_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str

    @property
    def token(self) -> str:
        return f"{self.key.id}.{self.secret}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TenancyService:
    def __init__(self, session: Session) -> None:
        self.repo = TenancyRepository(session)

    def create_org(self, name: str, timezone: str = "UTC", parent_id: str | None = None) -> Org:
        name = name.strip()
        if not name or len(name) > NAME_MAX:
            raise InvalidInput(f"name must be 1 to {NAME_MAX} characters", field="name")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"timezone {timezone!r} is not an IANA time zone", field="timezone") from None
        if parent_id is not None and self.repo.get_org(parent_id) is None:
            raise NotFound(f"parent org {parent_id} not found", code=TenancyCode.ORG_NOT_FOUND, field="parent")
        org = Org(id=str(uuid.uuid4()), name=name, timezone=timezone, parent_id=parent_id, created_at=utcnow())
        self.repo.add(org)
        return org

    def require_org(self, org_id: str) -> Org:
        org = self.repo.get_org(org_id)
        if org is None:
            raise NotFound(f"org {org_id} not found", code=TenancyCode.ORG_NOT_FOUND, field="org")
        return org

    def brands(self, org_id: str) -> list[Brand]:
        return self.repo.brands(org_id)

    def create_brand(self, org_id: str, name: str) -> Brand:
        self.require_org(org_id)
        name = name.strip()
        if not name or len(name) > NAME_MAX:
            raise InvalidInput(f"name must be 1 to {NAME_MAX} characters", field="name")
        existing = self.repo.get_brand_by_name(org_id, name)
        if existing is not None:
            raise self._brand_exists(name, existing.name)
        brand = Brand(org_id=org_id, name=name, name_key=fold(name), created_at=utcnow())
        try:
            self.repo.add(brand)
        except IntegrityError:
            # A concurrent create took the name between our check and our insert;
            # the unique constraint on (org_id, name_key) makes it the same 409.
            raise self._brand_exists(name, None) from None
        return brand

    @staticmethod
    def _brand_exists(name: str, existing: str | None) -> Conflict:
        taken = f" (as {existing!r})" if existing is not None and existing != name else ""
        return Conflict(
            f"brand {name!r} already exists in this org{taken}; brand names are unique regardless of case",
            code=TenancyCode.BRAND_EXISTS,
            field="name",
        )

    def create_api_key(self, org_id: str, scopes: list[str] | None = None, name: str | None = None) -> IssuedKey:
        self.require_org(org_id)
        chosen = scopes or list(ALL_SCOPES)
        unknown = sorted(set(chosen) - set(ALL_SCOPES))
        if unknown:
            raise InvalidInput(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}", field="scope")
        secret = secrets.token_urlsafe(32)
        key = ApiKey(
            id=KEY_PREFIX + secrets.token_hex(8),
            org_id=org_id,
            name=name,
            secret_hash=hash_secret(secret),
            scopes=sorted(set(chosen)),
            created_at=utcnow(),
        )
        self.repo.add(key)
        return IssuedKey(key=key, secret=secret)

    def revoke_api_key(self, key_id: str) -> ApiKey:
        key = self.repo.get_api_key(key_id)
        if key is None:
            raise NotFound(f"API key {key_id} not found", code=TenancyCode.API_KEY_NOT_FOUND, field="key")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
        # This worker stops accepting it at once; others within the cache's TTL (tenancy/keycache.py).
        keycache.keys.forget_key(key.id)
        return key

    def authenticate(self, key_id: str, secret: str, requested_org: str | None) -> Principal:
        key = self.repo.get_api_key(key_id)
        # Compare even when the key is unknown, so timing does not tell which part was wrong.
        expected = key.secret_hash if key is not None else hash_secret("")
        if not hmac.compare_digest(expected, hash_secret(secret)) or key is None or key.revoked_at is not None:
            raise Unauthorized("Invalid or revoked API key")
        org_id = key.org_id
        if requested_org and requested_org != key.org_id:
            # A key may act for its own org and the orgs connected below it;
            # naming any other org is refused, never silently ignored.
            if key.org_id not in self.repo.ancestor_ids(requested_org):
                raise Forbidden(
                    "This API key may not act for the org named in the org header",
                    code=TenancyCode.ORG_NOT_ALLOWED,
                    field="X-Org-ID",
                )
            org_id = requested_org
        return Principal(key_id=key.id, key_org_id=key.org_id, org_id=org_id, scopes=frozenset(key.scopes))

    def list_orgs(self) -> list[Org]:
        return self.repo.list_orgs()

    def list_api_keys(self, org_id: str) -> list[ApiKey]:
        self.require_org(org_id)
        return self.repo.list_api_keys(org_id)
