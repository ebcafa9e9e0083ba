from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    REWARDS_READ = "rewards:read"
    REWARDS_WRITE = "rewards:write"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    ISSUANCE_WRITE = "issuance:write"
    GROUPS_READ = "groups:read"
    GROUPS_WRITE = "groups:write"
    # Holds every other scope.
    ADMIN = "admin"


ALL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)


def grants(held: frozenset[str], needed: str) -> bool:
    return needed in held or Scope.ADMIN in held
