"""Seed 003's reward catalog fields: parsing, normalization and the rules between them.

Plain Python, no ORM. ``parse_fields`` turns a request body (either API's) into
normalized values keyed by seed 003's wire names; ``check_rules`` checks the
rules that span several fields on the reward as it will be after the change.
Rules that need the database (does label 12751 exist?) live in
``rewards.references``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from laurels.kit.errors import InvalidInput
from laurels.kit.validation import INT32_MAX, INT32_MIN, MAX_SAFE_INTEGER, free_form, integer
from laurels.kit.validation import as_datetime as kit_datetime


class CatalogCode(StrEnum):
    INVALID_FIELD = "INVALID_FIELD"
    INVALID_TYPE = "INVALID_TYPE"
    INVALID_REDEMPTION_TYPE = "INVALID_REDEMPTION_TYPE"
    INVALID_SCHEDULE = "INVALID_SCHEDULE"
    INVALID_LANGUAGE_INFO = "INVALID_LANGUAGE_INFO"
    DUPLICATE_LANGUAGE = "DUPLICATE_LANGUAGE"
    TOO_MANY_MEDIA = "TOO_MANY_MEDIA"
    INVALID_PAYMENT_CONFIG = "INVALID_PAYMENT_CONFIG"
    PAYMENT_CONFIG_REQUIRED = "PAYMENT_CONFIG_REQUIRED"
    SERIES_ID_REQUIRED = "SERIES_ID_REQUIRED"
    SERIES_ID_NOT_ALLOWED = "SERIES_ID_NOT_ALLOWED"
    VENDOR_REDEMPTION_REQUIRED = "VENDOR_REDEMPTION_REQUIRED"
    VENDOR_REDEMPTION_NOT_ALLOWED = "VENDOR_REDEMPTION_NOT_ALLOWED"
    AUDIENCE_CONFLICT = "AUDIENCE_CONFLICT"
    INVALID_RESTRICTION = "INVALID_RESTRICTION"
    INVALID_REVENUE = "INVALID_REVENUE"


class Category(StrEnum):
    """Seed 003's ``type``. VOUCHER is the legacy name, still accepted."""

    POINTS = "POINTS"
    PHYSICAL_VOUCHER = "PHYSICAL_VOUCHER"
    FREE_VOUCHER = "FREE_VOUCHER"
    VOUCHER = "VOUCHER"


class RedemptionType(StrEnum):
    INTOUCH_REWARD = "INTOUCH_REWARD"
    VENDOR_INTOUCH_REWARD = "VENDOR_INTOUCH_REWARD"
    VENDOR_ONLY_REWARD = "VENDOR_ONLY_REWARD"
    CART_PROMOTION = "CART_PROMOTION"
    MILES = "MILES"
    CASH_WALLET = "CASH_WALLET"
    CASH_BACK = "CASH_BACK"
    CARD_DISC = "CARD_DISC"
    CHARITY = "CHARITY"
    GAMES = "GAMES"
    VOUCHER = "VOUCHER"
    SWEEPSTAKES = "SWEEPSTAKES"
    AUCTION = "AUCTION"
    GIFT_CARD = "GIFT_CARD"
    PHYSICAL_REWARD = "PHYSICAL_REWARD"


class PaymentMode(StrEnum):
    POINTS = "POINTS"
    FREE = "FREE"
    CASH = "CASH"
    POINTS_CASH = "POINTS_CASH"
    CONV_RATIO = "CONV_RATIO"


R = RedemptionType
# Fulfilled from a coupon series Laurels holds (a code pool): the series id is required.
SERIES_REQUIRED = frozenset({R.INTOUCH_REWARD, R.VENDOR_INTOUCH_REWARD, R.CART_PROMOTION})
# A coupon series is a number; a cart promotion id is the promotion engine's own
# (the seed's CART_PROMOTION example uses a hex id), so only these must be numeric.
SERIES_NUMERIC = frozenset({R.INTOUCH_REWARD, R.VENDOR_INTOUCH_REWARD})
# Fulfilled by Laurels alone: no vendor takes part.
INTERNAL = frozenset({R.INTOUCH_REWARD, R.CART_PROMOTION})
VENDOR_REDEMPTION_REQUIRED = frozenset({R.VENDOR_INTOUCH_REWARD})
# Handled by an external vendor: the series id must be null.
EXTERNAL = frozenset(RedemptionType) - SERIES_REQUIRED
CONV_RATIO_TYPES = (
    R.CHARITY,
    R.MILES,
    R.CASH_WALLET,
    R.SWEEPSTAKES,
    R.AUCTION,
    R.GIFT_CARD,
    R.PHYSICAL_REWARD,
)

KPIS = ("QUANTITY", "REDEMPTION_VALUE")
WINDOW_TYPES = ("FIXED", "ROLLING")
FREQUENCIES = ("DAYS", "WEEKS", "MONTHS", "NO_LIMIT")
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
COMMISSION_PARTICIPANTS = ("BRAND", "CAPILLARY", "AFFILIATE", "END_CUSTOMER")
TEXT_MAX = 255
# Cash amounts, rates and ratios: any decimal of up to 15 significant digits round-trips exactly.
MAX_AMOUNT = 10**15
MEDIA_MAX = 10
# The audience kinds; a reward links to one kind at a time.
AUDIENCE_FIELDS = ("cardSeries", "labels", "segment", "supplementaryCriteriaRO")
DATE_ALIASES = {
    "startTime": ("startTime", "startDate", "startDateTime"),
    "endTime": ("endTime", "endDate", "endDateTime"),
}


def _fail(message: str, field: str, code: str = CatalogCode.INVALID_FIELD) -> InvalidInput:
    return InvalidInput(message, code=code, field=field)


# ---- scalar coercion ---------------------------------------------------------
# The vendor's own examples send numbers as strings ("brandId": "61",
# "interval": "30"), so numeric fields accept both.


def as_int(value: Any, field: str, *, minimum: int = INT32_MIN, maximum: int = INT32_MAX) -> int:
    """An integer; 32-bit unless the field says otherwise (its column, or JSON clients, must hold it)."""
    return integer(value, field=field, code=CatalogCode.INVALID_FIELD, minimum=minimum, maximum=maximum)


def as_number(value: Any, field: str, *, positive: bool = False) -> float:
    result: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(Decimal(value.strip()))
        except InvalidOperation:
            result = None
    if result is None or not math.isfinite(result):
        raise _fail(f"{field} must be a number", field)
    if abs(result) > MAX_AMOUNT:
        raise _fail(f"{field} must be at most {MAX_AMOUNT:.0e}", field)
    if positive and result <= 0:
        raise _fail(f"{field} must be a positive number", field)
    if result < 0:
        raise _fail(f"{field} must not be negative", field)
    return result


def as_text(value: Any, field: str, *, max_length: int | None = TEXT_MAX, blank_is_null: bool = True) -> str | None:
    """A string (numbers are taken as their text); blank means null, as seed 003 says of ``tier``."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _fail(f"{field} must be a string", field)
    if blank_is_null and not value.strip():
        return None
    if max_length is not None and len(value) > max_length:
        raise _fail(f"{field} must be at most {max_length} characters", field)
    return value


def as_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"{field} must be true or false", field)
    return value


def as_datetime(value: Any, field: str) -> datetime:
    return kit_datetime(value, field=field, code=CatalogCode.INVALID_FIELD)


def as_enum(
    value: Any, field: str, allowed: tuple[str, ...] | type[StrEnum], code: str = CatalogCode.INVALID_FIELD
) -> str:
    options = tuple(allowed) if isinstance(allowed, tuple) else tuple(m.value for m in allowed)
    if not isinstance(value, str) or value not in options:
        raise _fail(f"{field} must be one of: {', '.join(options)}", field, code)
    return value


def as_list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(f"{field} must be an array", field)
    return value


def as_object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(f"{field} must be an object", field)
    return value


# ---- blocks ------------------------------------------------------------------


def _each(value: Any, field: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of an array field, with its place (``field[i]``) for error messages."""
    for i, item in enumerate(as_list(value, field)):
        where = f"{field}[{i}]"
        yield where, as_object(item, where)


def _required(entry: Mapping[str, Any], key: str, where: str, code: str = CatalogCode.INVALID_FIELD) -> Any:
    if entry.get(key) is None:
        raise _fail(f"{where}.{key} is required", f"{where}.{key}", code)
    return entry[key]


def _media(items: Any, field: str) -> list[dict[str, Any]]:
    entries = as_list(items, field)
    if len(entries) > MEDIA_MAX:
        raise _fail(f"{field} allows at most {MEDIA_MAX} entries", field, CatalogCode.TOO_MANY_MEDIA)
    result = []
    for i, item in enumerate(entries):
        where = f"{field}[{i}]"
        entry = as_object(item, where)
        result.append(
            {
                "name": as_text(entry.get("name"), f"{where}.name"),
                "altText": as_text(entry.get("altText"), f"{where}.altText", max_length=None),
                "id": as_text(entry.get("id"), f"{where}.id"),
                "url": as_text(entry.get("url"), f"{where}.url", max_length=None, blank_is_null=False),
                "isExternal": as_bool(entry.get("isExternal", False), f"{where}.isExternal"),
            }
        )
    return result


_LSI_TEXT = ("termNConditionsId", "imageId", "thumbnailId")
_LSI_FREE_TEXT = ("description", "termNConditions", "termNConditionsUrl", "imageUrl", "thumbnailUrl")


def _rich_content(value: Any, field: str) -> dict[str, dict[str, Any]]:
    result = {}
    for key, item in as_object(value, field).items():
        entry = as_object(item, f"{field}.{key}")
        content = entry.get("content")
        if not isinstance(content, str):
            raise _fail(f"{field}.{key}.content must be a string", f"{field}.{key}.content")
        result[key] = {
            "content": content,
            "isEnabled": as_bool(entry.get("isEnabled", True), f"{field}.{key}.isEnabled"),
        }
    return result


def language_info(value: Any, _field: str = "") -> list[dict[str, Any]]:
    entries = as_list(value, "languageSpecificInfo")
    if not entries:
        raise _fail(
            "languageSpecificInfo needs at least one language",
            "languageSpecificInfo",
            CatalogCode.INVALID_LANGUAGE_INFO,
        )
    seen: set[str] = set()
    result = []
    for i, item in enumerate(entries):
        where = f"languageSpecificInfo[{i}]"
        entry = as_object(item, where)
        code = as_text(entry.get("languageCode"), f"{where}.languageCode")
        name = as_text(entry.get("name"), f"{where}.name")
        if code is None:
            raise _fail(f"{where}.languageCode is required", f"{where}.languageCode", CatalogCode.INVALID_LANGUAGE_INFO)
        if name is None:
            raise _fail(f"{where}.name is required", f"{where}.name", CatalogCode.INVALID_LANGUAGE_INFO)
        if code.lower() in seen:
            raise _fail(
                f"languageCode {code} appears more than once; language codes must be unique",
                f"{where}.languageCode",
                CatalogCode.DUPLICATE_LANGUAGE,
            )
        seen.add(code.lower())
        normalized: dict[str, Any] = {"languageCode": code, "name": name}
        for key in _LSI_FREE_TEXT:
            normalized[key] = as_text(entry.get(key), f"{where}.{key}", max_length=None, blank_is_null=False)
        for key in _LSI_TEXT:
            normalized[key] = as_text(entry.get(key), f"{where}.{key}")
        normalized["enabled"] = as_bool(entry.get("enabled", True), f"{where}.enabled")
        normalized["images"] = _media(entry.get("images"), f"{where}.images")
        normalized["videos"] = _media(entry.get("videos"), f"{where}.videos")
        normalized["customFields"] = _custom_fields(entry.get("customFields"), f"{where}.customFields")
        normalized["richContentRO"] = free_form(
            _rich_content(entry.get("richContentRO"), f"{where}.richContentRO"), field=f"{where}.richContentRO"
        )
        result.append(normalized)
    return result


_MODE_AMOUNTS: dict[str, tuple[str, ...]] = {
    PaymentMode.POINTS: ("points",),
    PaymentMode.CASH: ("cash",),
    PaymentMode.POINTS_CASH: ("points", "cash"),
    PaymentMode.CONV_RATIO: ("conversionRatio",),
    PaymentMode.FREE: (),
}


def payment_configs(value: Any, _field: str = "") -> list[dict[str, Any]]:
    result = []
    for where, entry in _each(value, "paymentConfigs"):
        mode = as_enum(
            entry.get("paymentMode"), f"{where}.paymentMode", PaymentMode, CatalogCode.INVALID_PAYMENT_CONFIG
        )
        normalized: dict[str, Any] = {"paymentMode": mode}
        if entry.get("id") is not None:
            normalized["id"] = as_int(entry["id"], f"{where}.id", minimum=1)
        for amount in _MODE_AMOUNTS[mode]:
            if entry.get(amount) is None:
                raise _fail(
                    f"{where}.{amount} is required for paymentMode {mode}",
                    f"{where}.{amount}",
                    CatalogCode.INVALID_PAYMENT_CONFIG,
                )
            if amount == "points":
                normalized[amount] = as_int(entry[amount], f"{where}.{amount}", minimum=1, maximum=MAX_SAFE_INTEGER)
            else:
                normalized[amount] = as_number(entry[amount], f"{where}.{amount}", positive=True)
        result.append(normalized)
    return result


def _restriction(item: Any, where: str, *, customer_level: bool) -> dict[str, Any]:
    entry = as_object(item, where)
    if entry.get("kpi") is None or entry.get("limit") is None:
        missing = [k for k in ("kpi", "limit") if entry.get(k) is None]
        raise _fail(f"{where} needs {' and '.join(missing)}", f"{where}.{missing[0]}", CatalogCode.INVALID_RESTRICTION)
    if customer_level and entry.get("repeatFrequencyType") is None:
        raise _fail(
            f"{where} needs repeatFrequencyType", f"{where}.repeatFrequencyType", CatalogCode.INVALID_RESTRICTION
        )
    frequency = as_enum(
        entry.get("repeatFrequencyType", "NO_LIMIT"),
        f"{where}.repeatFrequencyType",
        FREQUENCIES,
        CatalogCode.INVALID_RESTRICTION,
    )
    window = as_enum(
        entry.get("windowType", "FIXED"), f"{where}.windowType", WINDOW_TYPES, CatalogCode.INVALID_RESTRICTION
    )
    if window == "ROLLING" and frequency == "NO_LIMIT":
        raise _fail(
            f"{where}: a ROLLING window needs DAYS, WEEKS or MONTHS",
            f"{where}.repeatFrequencyType",
            CatalogCode.INVALID_RESTRICTION,
        )
    normalized: dict[str, Any] = {
        "kpi": as_enum(entry["kpi"], f"{where}.kpi", KPIS, CatalogCode.INVALID_RESTRICTION),
        "windowType": window,
        "repeatFrequencyType": frequency,
        "limit": as_int(entry["limit"], f"{where}.limit", minimum=0, maximum=MAX_SAFE_INTEGER),
        "interval": None,
        "weekStartDay": None,
        "startOfCycle": None,
    }
    if frequency != "NO_LIMIT":
        normalized["interval"] = as_int(entry.get("interval", 1), f"{where}.interval", minimum=1)
    if frequency == "WEEKS":
        normalized["weekStartDay"] = as_enum(
            entry.get("weekStartDay", "MONDAY"), f"{where}.weekStartDay", WEEKDAYS, CatalogCode.INVALID_RESTRICTION
        )
    if entry.get("startOfCycle") is not None:
        normalized["startOfCycle"] = as_datetime(entry["startOfCycle"], f"{where}.startOfCycle").isoformat()
    return normalized


def restrictions(value: Any, _field: str = "") -> dict[str, list[dict[str, Any]]] | None:
    if value is None:
        return None
    block = as_object(value, "restrictions")
    return {
        "rewardLevel": [
            _restriction(item, f"restrictions.rewardLevel[{i}]", customer_level=False)
            for i, item in enumerate(as_list(block.get("rewardLevel"), "restrictions.rewardLevel"))
        ],
        "customerLevel": [
            _restriction(item, f"restrictions.customerLevel[{i}]", customer_level=True)
            for i, item in enumerate(as_list(block.get("customerLevel"), "restrictions.customerLevel"))
        ],
    }


def revenue_meta(value: Any, _field: str = "") -> list[dict[str, Any]]:
    result = []
    for where, entry in _each(value, "rewardRevenueMeta"):
        for key in ("commissionParticipant", "commissionRate", "cycleStartDate", "cycleEndDate"):
            _required(entry, key, where, CatalogCode.INVALID_REVENUE)
        result.append(
            {
                "commissionParticipant": as_enum(
                    entry["commissionParticipant"],
                    f"{where}.commissionParticipant",
                    COMMISSION_PARTICIPANTS,
                    CatalogCode.INVALID_REVENUE,
                ),
                "commissionRate": as_number(entry["commissionRate"], f"{where}.commissionRate"),
                "cycleStartDate": as_datetime(entry["cycleStartDate"], f"{where}.cycleStartDate").isoformat(),
                "cycleEndDate": as_datetime(entry["cycleEndDate"], f"{where}.cycleEndDate").isoformat(),
            }
        )
    return result


def revenue_defaults(value: Any, _field: str = "") -> list[dict[str, Any]]:
    result = []
    for where, entry in _each(value, "rewardRevenueDefaults"):
        result.append(
            {
                "commissionParticipant": as_enum(
                    entry.get("commissionParticipant"),
                    f"{where}.commissionParticipant",
                    COMMISSION_PARTICIPANTS,
                    CatalogCode.INVALID_REVENUE,
                ),
                # The seed: "If no defaultValue is passed, then 0 is considered as the defaultValue."
                "defaultValue": as_number(entry.get("defaultValue", 0), f"{where}.defaultValue"),
            }
        )
    return result


def _ref(value: Any, field: str) -> int:
    """The integer id of a row the reward names. Any integer a JSON client holds exactly is
    taken, so a large one is refused as not found, with the code its kind documents."""
    return as_int(value, field, maximum=MAX_SAFE_INTEGER)


def _int_list(value: Any, field: str) -> list[int]:
    return [_ref(v, f"{field}[{i}]") for i, v in enumerate(as_list(value, field))]


def _id_or_null_list(value: Any, field: str) -> list[int] | None:
    return None if value is None else _int_list(value, field)


def supplementary_criteria(value: Any, _field: str = "") -> list[dict[str, Any]]:
    result = []
    for where, entry in _each(value, "supplementaryCriteriaRO"):
        _required(entry, "loyaltyProgramId", where)
        result.append(
            {
                "loyaltyProgramId": _ref(entry["loyaltyProgramId"], f"{where}.loyaltyProgramId"),
                "tierIds": _id_or_null_list(entry.get("tierIds"), f"{where}.tierIds"),
                "partnerProgramIds": _id_or_null_list(entry.get("partnerProgramIds"), f"{where}.partnerProgramIds"),
            }
        )
    return result


def segments(value: Any, _field: str = "") -> list[dict[str, Any]]:
    result = []
    for where, entry in _each(value, "segment"):
        _required(entry, "segmentId", where)
        partitions = entry.get("partitionId")
        if partitions is not None and not isinstance(partitions, list):
            partitions = [partitions]
        result.append(
            {
                "segmentId": _ref(entry["segmentId"], f"{where}.segmentId"),
                "partitionId": _int_list(partitions, f"{where}.partitionId"),
            }
        )
    return result


def groups(value: Any, _field: str = "") -> list[dict[str, Any]]:
    result = []
    for where, entry in _each(value, "groups"):
        name = as_text(entry.get("groupName"), f"{where}.groupName")
        if name is None:
            raise _fail(f"{where}.groupName is required", f"{where}.groupName")
        rank = entry.get("groupRank")
        result.append({"groupName": name, "groupRank": None if rank is None else as_int(rank, f"{where}.groupRank")})
    return result


def geography(value: Any, _field: str = "") -> list[dict[str, int]]:
    return [
        {"countryId": _ref(_required(entry, "countryId", where), f"{where}.countryId")}
        for where, entry in _each(value, "geography")
    ]


def owners(value: Any, _field: str = "") -> list[dict[str, Any]]:
    return [
        {
            "ownerType": as_text(entry.get("ownerType"), f"{where}.ownerType"),
            "ownerId": as_text(entry.get("ownerId"), f"{where}.ownerId"),
        }
        for where, entry in _each(value, "owners")
    ]


def org_level_restrictions(value: Any, _field: str = "") -> list[dict[str, Any]]:
    result = []
    for where, entry in _each(value, "orgLevelRestrictions"):
        org_id = as_text(_required(entry, "orgId", where), f"{where}.orgId")
        result.append({"orgId": org_id, "isValid": as_bool(entry.get("isValid", True), f"{where}.isValid")})
    return result


def _text_list(value: Any, field: str) -> list[str]:
    result = []
    for i, item in enumerate(as_list(value, field)):
        text = as_text(item, f"{field}[{i}]")
        if text is None:
            raise _fail(f"{field}[{i}] must not be blank", f"{field}[{i}]")
        result.append(text)
    return result


def _custom_fields(value: Any, field: str) -> dict[str, Any]:
    return free_form(as_object(value, field), field=field)


def _nullable(parse: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    return lambda value, field: None if value is None else parse(value, field)


# Wire name -> parser of one field. Everything a body may carry of seed 003.
PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "type": _nullable(lambda v, f: as_enum(v, f, Category, CatalogCode.INVALID_TYPE)),
    "redemptionType": _nullable(lambda v, f: as_enum(v, f, RedemptionType, CatalogCode.INVALID_REDEMPTION_TYPE)),
    "startTime": _nullable(as_datetime),
    "endTime": _nullable(as_datetime),
    "enabled": as_bool,
    "priority": lambda v, f: 0 if v is None else as_int(v, f, minimum=0),
    "intouchPoints": _nullable(lambda v, f: as_int(v, f, minimum=0)),
    "intouchSeriesId": _nullable(lambda v, f: as_text(v, f, max_length=64)),
    "tier": as_text,
    "group": as_text,
    "label": as_text,
    "tillId": as_text,
    "programId": as_text,
    "vendorId": _nullable(lambda v, f: as_int(v, f, minimum=1, maximum=MAX_SAFE_INTEGER)),
    "vendorRedemption": as_text,
    "communications": _text_list,
    "categories": _int_list,
    "geography": geography,
    "languageSpecificInfo": language_info,
    "name": as_text,
    "description": lambda v, f: as_text(v, f, max_length=None, blank_is_null=False),
    "customFields": _custom_fields,
    "owners": owners,
    "supplementaryCriteriaRO": supplementary_criteria,
    "segment": segments,
    "cardSeries": _text_list,
    "labels": _int_list,
    "groups": groups,
    "rewardRank": _nullable(as_int),
    "restrictions": restrictions,
    "rewardRevenueMeta": revenue_meta,
    "rewardRevenueDefaults": revenue_defaults,
    "paymentConfigs": payment_configs,
    "orgLevelRestrictions": org_level_restrictions,
    "createdBy": as_text,
    "lastUpdatedBy": as_text,
}


def parse_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """Normalize every seed 003 field the body carries; fields it leaves out are absent."""
    raw = dict(body)
    for canonical, aliases in DATE_ALIASES.items():
        given = {alias: raw.pop(alias) for alias in aliases if alias in raw}
        parsed = {alias: PARSERS[canonical](value, alias) for alias, value in given.items()}
        if len(set(parsed.values())) > 1:
            raise _fail(f"{' and '.join(given)} disagree", next(iter(given)), CatalogCode.INVALID_SCHEDULE)
        if parsed:
            raw[canonical] = next(iter(given.values()))
    return {field: parse(raw[field], field) for field, parse in PARSERS.items() if field in raw}


# ---- rules across fields -----------------------------------------------------


def check_rules(reward: Mapping[str, Any], changed: Collection[str], now: datetime) -> None:
    """Seed 003's cross-field rules, on the reward as it will be (``reward``), knowing what changed."""
    start, end = reward.get("startTime"), reward.get("endTime")
    if start is not None and end is not None and end <= start:
        raise _fail("endTime must be after startTime", "endTime", CatalogCode.INVALID_SCHEDULE)
    _check_redemption(reward)
    _check_payments(reward)
    linked = [f for f in AUDIENCE_FIELDS if reward.get(f)]
    if len(linked) > 1:
        raise _fail(
            "A reward can be linked to only one of card series, labels, segments or loyalty programs/tiers at a time; "
            f"this one names {', '.join(linked)}",
            linked[1],
            CatalogCode.AUDIENCE_CONFLICT,
        )
    if "rewardRevenueMeta" in changed:
        _check_revenue(reward, now)


def _check_redemption(reward: Mapping[str, Any]) -> None:
    kind = reward.get("redemptionType")
    if kind is None:
        return
    series, vendor_redemption = reward.get("intouchSeriesId"), reward.get("vendorRedemption")
    if kind in SERIES_REQUIRED and series is None:
        raise _fail(f"intouchSeriesId is mandatory for {kind}", "intouchSeriesId", CatalogCode.SERIES_ID_REQUIRED)
    if kind in SERIES_NUMERIC and series is not None and not series.isdigit():
        raise _fail(f"intouchSeriesId must be numeric for {kind}", "intouchSeriesId", CatalogCode.SERIES_ID_REQUIRED)
    if kind in EXTERNAL and series is not None:
        raise _fail(
            f"intouchSeriesId must be null for {kind}, which an external vendor handles",
            "intouchSeriesId",
            CatalogCode.SERIES_ID_NOT_ALLOWED,
        )
    if kind in VENDOR_REDEMPTION_REQUIRED and vendor_redemption is None:
        raise _fail(
            f"vendorRedemption is mandatory for {kind}", "vendorRedemption", CatalogCode.VENDOR_REDEMPTION_REQUIRED
        )
    if kind in INTERNAL and vendor_redemption is not None:
        raise _fail(
            f"vendorRedemption must be null for {kind}, which does not support the vendor flow",
            "vendorRedemption",
            CatalogCode.VENDOR_REDEMPTION_NOT_ALLOWED,
        )
    if kind == R.MILES and not reward.get("paymentConfigs"):
        raise _fail(
            "Payment config is mandatory for MILES redemption type",
            "paymentConfigs",
            CatalogCode.PAYMENT_CONFIG_REQUIRED,
        )


def _check_payments(reward: Mapping[str, Any]) -> None:
    configs = reward.get("paymentConfigs") or []
    modes = [c["paymentMode"] for c in configs]
    repeated = sorted({m for m in modes if modes.count(m) > 1})
    if repeated:
        raise _fail(
            f"The same payment method cannot be used twice: {', '.join(repeated)}",
            "paymentConfigs",
            CatalogCode.INVALID_PAYMENT_CONFIG,
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
        raise _fail(",".join(problems), "paymentConfigs", CatalogCode.INVALID_PAYMENT_CONFIG)


def _check_revenue(reward: Mapping[str, Any], now: datetime) -> None:
    start, end = reward.get("startTime"), reward.get("endTime")
    for i, entry in enumerate(reward.get("rewardRevenueMeta") or []):
        where = f"rewardRevenueMeta[{i}]"
        cycle_start = datetime.fromisoformat(entry["cycleStartDate"])
        cycle_end = datetime.fromisoformat(entry["cycleEndDate"])
        if start is not None and cycle_start <= start:
            raise _fail(
                f"{where}.cycleStartDate must be after the reward's start",
                f"{where}.cycleStartDate",
                CatalogCode.INVALID_REVENUE,
            )
        if cycle_start <= now:
            raise _fail(
                f"{where}.cycleStartDate must be in the future", f"{where}.cycleStartDate", CatalogCode.INVALID_REVENUE
            )
        if end is not None and cycle_end >= end:
            raise _fail(
                f"{where}.cycleEndDate must be before the reward's end",
                f"{where}.cycleEndDate",
                CatalogCode.INVALID_REVENUE,
            )
        if cycle_end <= cycle_start:
            raise _fail(
                f"{where}.cycleEndDate must be after cycleStartDate",
                f"{where}.cycleEndDate",
                CatalogCode.INVALID_REVENUE,
            )
