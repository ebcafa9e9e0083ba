"""The reward rules of seed 004, as plain Python (no ORM, no HTTP).

Each check raises :class:`InvalidInput` with the seed's message where the seed
gives one, and a message in the same style where it does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from laurels.kit.errors import InvalidInput
from laurels.kit.validation import INT32_MAX, MAX_SAFE_INTEGER, free_form, public_id


class RewardCode(StrEnum):
    REWARD_NOT_FOUND = "REWARD_NOT_FOUND"
    REWARD_ALREADY_EXISTS = "REWARD_ALREADY_EXISTS"
    INVALID_REWARD_ID = "INVALID_REWARD_ID"
    INVALID_REWARD_TYPE = "INVALID_REWARD_TYPE"
    REWARD_TYPE_IMMUTABLE = "REWARD_TYPE_IMMUTABLE"
    INVALID_STATUS = "INVALID_STATUS"
    INVALID_NAME = "INVALID_NAME"
    INVALID_DESCRIPTION = "INVALID_DESCRIPTION"
    INVALID_METADATA = "INVALID_METADATA"
    INVALID_CONFIG = "INVALID_CONFIG"
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"
    COMPETITION_NOT_FOUND = "COMPETITION_NOT_FOUND"
    CODE_POOL_NOT_FOUND = "CODE_POOL_NOT_FOUND"
    REFERENCE_GONE = "REFERENCE_GONE"
    DERIVED_FIELD_MISMATCH = "DERIVED_FIELD_MISMATCH"


class RewardType(StrEnum):
    POINTS = "points"
    PRODUCT = "product"
    COMPETITION_ENTRY = "competition_entry"
    UNIQUE_COUPON = "unique_coupon"
    NON_UNIQUE_COUPON = "non_unique_coupon"


REWARD_TYPES: tuple[str, ...] = tuple(t.value for t in RewardType)
STATUSES = ("active", "inactive")
REQUIRED_ON_CREATE = ("name", "rewardType", "config")
DISCOUNT_TYPES = ("percentage", "fixed")


@dataclass(frozen=True)
class ConfigRefs:
    """The catalog objects a config names, to be checked against the database."""

    product_id: str | None = None
    competition_id: str | None = None
    code_pool_id: str | None = None


def check_reward_type(value: Any) -> RewardType:
    if value not in REWARD_TYPES:
        raise InvalidInput(
            "rewardType must be one of: " + ", ".join(REWARD_TYPES),
            code=RewardCode.INVALID_REWARD_TYPE,
            field="rewardType",
        )
    return RewardType(value)


def check_status(value: Any) -> bool:
    """Validate ``status`` and return whether it means enabled."""
    if value not in STATUSES:
        raise InvalidInput("status must be active or inactive", code=RewardCode.INVALID_STATUS, field="status")
    return bool(value == "active")


def check_metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("metadata must be an object", code=RewardCode.INVALID_METADATA, field="metadata")
    return free_form(value, field="metadata")


def reward_id(value: str | None) -> str:
    return public_id(value, prefix="rew", field="rewardId", code=RewardCode.INVALID_REWARD_ID)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any) -> int | None:
    """``value`` as a positive whole number that fits a 32-bit count, or None if it is not one."""
    if _is_number(value) and 0 < value <= INT32_MAX and float(value).is_integer():
        return int(value)
    return None


def _at_most_safe(value: Any, prefix: str, field: str) -> Any:
    # Beyond 2^53 a JSON number is no longer exact in every client: refused, never rounded.
    if value > MAX_SAFE_INTEGER:
        raise _invalid(f"{prefix}: {field} must be at most {MAX_SAFE_INTEGER}", field)
    return value


def _non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code=RewardCode.INVALID_CONFIG, field=f"config.{field}")


_ALLOWED_KEYS: dict[RewardType, frozenset[str]] = {
    RewardType.POINTS: frozenset({"amount"}),
    RewardType.PRODUCT: frozenset({"productId", "quantity"}),
    RewardType.COMPETITION_ENTRY: frozenset({"competitionId", "entries"}),
    RewardType.UNIQUE_COUPON: frozenset({"codePoolId"}),
    RewardType.NON_UNIQUE_COUPON: frozenset({"code", "discountType", "discountValue"}),
}


def validate_config(reward_type: RewardType, config: Any) -> tuple[dict[str, Any], ConfigRefs]:
    """Check a type's config; return it with defaults filled in, and what it references."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object", code=RewardCode.INVALID_CONFIG, field="config")
    prefix = f"Config for {reward_type.value} reward"
    unknown = sorted(set(config) - _ALLOWED_KEYS[reward_type])
    if unknown:
        raise _invalid(f"{prefix} has unknown field(s): {', '.join(unknown)}", unknown[0])

    if reward_type is RewardType.POINTS:
        amount: Any = config.get("amount")
        if not _is_number(amount) or amount <= 0:
            raise _invalid(f"{prefix} must include amount (positive number)", "amount")
        return {"amount": _at_most_safe(amount, prefix, "amount")}, ConfigRefs()

    if reward_type is RewardType.PRODUCT:
        if not _non_empty_string(config.get("productId")):
            raise _invalid(f"{prefix} must include productId (non-empty string)", "productId")
        quantity = _whole(config.get("quantity", 1))
        if quantity is None:
            raise _invalid(f"{prefix}: quantity must be a positive whole number", "quantity")
        return {"productId": config["productId"], "quantity": quantity}, ConfigRefs(product_id=config["productId"])

    if reward_type is RewardType.COMPETITION_ENTRY:
        if not _non_empty_string(config.get("competitionId")):
            raise _invalid(f"{prefix} must include competitionId (non-empty string)", "competitionId")
        entries = _whole(config.get("entries", 1))
        if entries is None:
            raise _invalid(f"{prefix}: entries must be a positive whole number", "entries")
        competition_id = config["competitionId"]
        return {"competitionId": competition_id, "entries": entries}, ConfigRefs(competition_id=competition_id)

    if reward_type is RewardType.UNIQUE_COUPON:
        if not _non_empty_string(config.get("codePoolId")):
            raise _invalid(f"{prefix} must include codePoolId (non-empty string)", "codePoolId")
        return {"codePoolId": config["codePoolId"]}, ConfigRefs(code_pool_id=config["codePoolId"])

    # non_unique_coupon
    if not _non_empty_string(config.get("code")):
        raise _invalid(f"{prefix} must include code (non-empty string)", "code")
    if config.get("discountType") not in DISCOUNT_TYPES:
        raise _invalid(f"{prefix} must include discountType (percentage or fixed)", "discountType")
    value: Any = config.get("discountValue")
    if not _is_number(value) or value < 0:
        raise _invalid(f"{prefix} must include discountValue (non-negative number)", "discountValue")
    _at_most_safe(value, prefix, "discountValue")
    if config["discountType"] == "percentage" and value > 100:
        raise _invalid(f"{prefix}: a percentage discountValue cannot exceed 100", "discountValue")
    return {"code": config["code"], "discountType": config["discountType"], "discountValue": value}, ConfigRefs()
