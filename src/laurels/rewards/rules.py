"""The reward rules that need no database, as plain Python (no ORM, no HTTP).

Seed 004's: the reward type, status, metadata, id and each type's config.
Seed 003's rules across fields (``check_rules``): schedule, fulfilment,
payment, audience and revenue terms checked together, on the reward as it
will be; each field on its own was parsed by ``rewards.blocks``. Rules that
need the database (does label 12751 exist?) live in ``rewards.references``.

Each check raises :class:`InvalidInput` with the seed's message where the seed
gives one, and a message in the same style where it does not.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from laurels.kit.errors import InvalidInput
from laurels.kit.validation import INT32_MAX, MAX_SAFE_INTEGER, free_form, public_id
from laurels.rewards.coercion import invalid
from laurels.rewards.vocabulary import (
    AUDIENCE_FIELDS,
    CONV_RATIO_TYPES,
    EXTERNAL,
    INTERNAL,
    SERIES_NUMERIC,
    SERIES_REQUIRED,
    VENDOR_REDEMPTION_REQUIRED,
    PaymentMode,
    RedemptionType,
    RewardCode,
)


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


# ---- seed 003: rules across fields ------------------------------------------


def check_rules(reward: Mapping[str, Any], changed: Collection[str], now: datetime) -> None:
    """Seed 003's cross-field rules, on the reward as it will be (``reward``), knowing what changed."""
    start, end = reward.get("startTime"), reward.get("endTime")
    if start is not None and end is not None and end <= start:
        raise invalid("endTime must be after startTime", "endTime", RewardCode.INVALID_SCHEDULE)
    _check_redemption(reward)
    _check_payments(reward)
    linked = [f for f in AUDIENCE_FIELDS if reward.get(f)]
    if len(linked) > 1:
        raise invalid(
            "A reward can be linked to only one of card series, labels, segments or loyalty programs/tiers at a time; "
            f"this one names {', '.join(linked)}",
            linked[1],
            RewardCode.AUDIENCE_CONFLICT,
        )
    if "rewardRevenueMeta" in changed:
        _check_revenue(reward, now)


def _check_redemption(reward: Mapping[str, Any]) -> None:
    kind = reward.get("redemptionType")
    if kind is None:
        return
    series, vendor_redemption = reward.get("intouchSeriesId"), reward.get("vendorRedemption")
    if kind in SERIES_REQUIRED and series is None:
        raise invalid(f"intouchSeriesId is mandatory for {kind}", "intouchSeriesId", RewardCode.SERIES_ID_REQUIRED)
    if kind in SERIES_NUMERIC and series is not None and not series.isdigit():
        raise invalid(f"intouchSeriesId must be numeric for {kind}", "intouchSeriesId", RewardCode.SERIES_ID_REQUIRED)
    if kind in EXTERNAL and series is not None:
        raise invalid(
            f"intouchSeriesId must be null for {kind}, which an external vendor handles",
            "intouchSeriesId",
            RewardCode.SERIES_ID_NOT_ALLOWED,
        )
    if kind in VENDOR_REDEMPTION_REQUIRED and vendor_redemption is None:
        raise invalid(
            f"vendorRedemption is mandatory for {kind}", "vendorRedemption", RewardCode.VENDOR_REDEMPTION_REQUIRED
        )
    if kind in INTERNAL and vendor_redemption is not None:
        raise invalid(
            f"vendorRedemption must be null for {kind}, which does not support the vendor flow",
            "vendorRedemption",
            RewardCode.VENDOR_REDEMPTION_NOT_ALLOWED,
        )
    if kind == RedemptionType.MILES and not reward.get("paymentConfigs"):
        raise invalid(
            "Payment config is mandatory for MILES redemption type",
            "paymentConfigs",
            RewardCode.PAYMENT_CONFIG_REQUIRED,
        )


def _check_payments(reward: Mapping[str, Any]) -> None:
    configs = reward.get("paymentConfigs") or []
    modes = [c["paymentMode"] for c in configs]
    repeated = sorted({m for m in modes if modes.count(m) > 1})
    if repeated:
        raise invalid(
            f"The same payment method cannot be used twice: {', '.join(repeated)}",
            "paymentConfigs",
            RewardCode.INVALID_PAYMENT_CONFIG,
        )
    # Both refusals are reported together, joined by a comma, as the vendor does.
    problems = []
    exclusive = {PaymentMode.FREE, PaymentMode.CONV_RATIO}
    if len(modes) > 1 and exclusive & set(modes):
        problems.append("Multiple payments is not supported within FREE and CONV_RATIO modes")
    kind = reward.get("redemptionType")
    if PaymentMode.CONV_RATIO in modes and kind not in CONV_RATIO_TYPES:
        problems.append(
            "Conversion ratio can be set only for " + ", ".join(t.value for t in CONV_RATIO_TYPES) + " content types"
        )
    if problems:
        raise invalid(",".join(problems), "paymentConfigs", RewardCode.INVALID_PAYMENT_CONFIG)


def _check_revenue(reward: Mapping[str, Any], now: datetime) -> None:
    start, end = reward.get("startTime"), reward.get("endTime")
    for i, entry in enumerate(reward.get("rewardRevenueMeta") or []):
        where = f"rewardRevenueMeta[{i}]"
        cycle_start = datetime.fromisoformat(entry["cycleStartDate"])
        cycle_end = datetime.fromisoformat(entry["cycleEndDate"])
        if start is not None and cycle_start <= start:
            raise invalid(
                f"{where}.cycleStartDate must be after the reward's start",
                f"{where}.cycleStartDate",
                RewardCode.INVALID_REVENUE,
            )
        if cycle_start <= now:
            raise invalid(
                f"{where}.cycleStartDate must be in the future", f"{where}.cycleStartDate", RewardCode.INVALID_REVENUE
            )
        if end is not None and cycle_end >= end:
            raise invalid(
                f"{where}.cycleEndDate must be before the reward's end",
                f"{where}.cycleEndDate",
                RewardCode.INVALID_REVENUE,
            )
        if cycle_end <= cycle_start:
            raise invalid(
                f"{where}.cycleEndDate must be after cycleStartDate",
                f"{where}.cycleEndDate",
                RewardCode.INVALID_REVENUE,
            )
