"""Seed 003's fields parsed: one parser per block, and the table of every field.

``parse_fields`` turns a request body (either API's) into normalized values
keyed by seed 003's wire names, through ``PARSERS``: one parser per field,
each built from ``rewards.coercion`` and naming the exact place it refuses
(``languageSpecificInfo[1].name``). The result is what a reward's state holds
(``rewards.state``); rules across fields (``rewards.rules.check_rules``) and
rules that need the database (``rewards.references``) come after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from laurels.kit.validation import MAX_SAFE_INTEGER, free_form
from laurels.rewards.coercion import (
    as_bool,
    as_datetime,
    as_enum,
    as_int,
    as_list,
    as_number,
    as_object,
    as_text,
    invalid,
)
from laurels.rewards.vocabulary import (
    COMMISSION_PARTICIPANTS,
    DATE_ALIASES,
    FREQUENCIES,
    KPIS,
    MEDIA_MAX,
    PAYMENT_AMOUNTS,
    WEEKDAYS,
    WINDOW_TYPES,
    Category,
    PaymentMode,
    RedemptionType,
    RewardCode,
)


def _each(value: Any, field: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of an array field, with its place (``field[i]``) for error messages."""
    for i, item in enumerate(as_list(value, field)):
        where = f"{field}[{i}]"
        yield where, as_object(item, where)


def _required(entry: Mapping[str, Any], key: str, where: str, code: str = RewardCode.INVALID_FIELD) -> Any:
    if entry.get(key) is None:
        raise invalid(f"{where}.{key} is required", f"{where}.{key}", code)
    return entry[key]


def _media(items: Any, field: str) -> list[dict[str, Any]]:
    entries = as_list(items, field)
    if len(entries) > MEDIA_MAX:
        raise invalid(f"{field} allows at most {MEDIA_MAX} entries", field, RewardCode.TOO_MANY_MEDIA)
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
            raise invalid(f"{field}.{key}.content must be a string", f"{field}.{key}.content")
        result[key] = {
            "content": content,
            "isEnabled": as_bool(entry.get("isEnabled", True), f"{field}.{key}.isEnabled"),
        }
    return result


def language_info(value: Any, _field: str = "") -> list[dict[str, Any]]:
    entries = as_list(value, "languageSpecificInfo")
    if not entries:
        raise invalid(
            "languageSpecificInfo needs at least one language",
            "languageSpecificInfo",
            RewardCode.INVALID_LANGUAGE_INFO,
        )
    seen: set[str] = set()
    result = []
    for i, item in enumerate(entries):
        where = f"languageSpecificInfo[{i}]"
        entry = as_object(item, where)
        code = as_text(entry.get("languageCode"), f"{where}.languageCode")
        name = as_text(entry.get("name"), f"{where}.name")
        if code is None:
            raise invalid(
                f"{where}.languageCode is required", f"{where}.languageCode", RewardCode.INVALID_LANGUAGE_INFO
            )
        if name is None:
            raise invalid(f"{where}.name is required", f"{where}.name", RewardCode.INVALID_LANGUAGE_INFO)
        if code.lower() in seen:
            raise invalid(
                f"languageCode {code} appears more than once; language codes must be unique",
                f"{where}.languageCode",
                RewardCode.DUPLICATE_LANGUAGE,
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


def payment_configs(value: Any, _field: str = "") -> list[dict[str, Any]]:
    result = []
    for where, entry in _each(value, "paymentConfigs"):
        mode = as_enum(entry.get("paymentMode"), f"{where}.paymentMode", PaymentMode, RewardCode.INVALID_PAYMENT_CONFIG)
        normalized: dict[str, Any] = {"paymentMode": mode}
        if entry.get("id") is not None:
            normalized["id"] = as_int(entry["id"], f"{where}.id", minimum=1)
        for amount in PAYMENT_AMOUNTS[PaymentMode(mode)]:
            if entry.get(amount) is None:
                raise invalid(
                    f"{where}.{amount} is required for paymentMode {mode}",
                    f"{where}.{amount}",
                    RewardCode.INVALID_PAYMENT_CONFIG,
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
        raise invalid(f"{where} needs {' and '.join(missing)}", f"{where}.{missing[0]}", RewardCode.INVALID_RESTRICTION)
    if customer_level and entry.get("repeatFrequencyType") is None:
        raise invalid(
            f"{where} needs repeatFrequencyType", f"{where}.repeatFrequencyType", RewardCode.INVALID_RESTRICTION
        )
    frequency = as_enum(
        entry.get("repeatFrequencyType", "NO_LIMIT"),
        f"{where}.repeatFrequencyType",
        FREQUENCIES,
        RewardCode.INVALID_RESTRICTION,
    )
    window = as_enum(
        entry.get("windowType", "FIXED"), f"{where}.windowType", WINDOW_TYPES, RewardCode.INVALID_RESTRICTION
    )
    if window == "ROLLING" and frequency == "NO_LIMIT":
        raise invalid(
            f"{where}: a ROLLING window needs DAYS, WEEKS or MONTHS",
            f"{where}.repeatFrequencyType",
            RewardCode.INVALID_RESTRICTION,
        )
    normalized: dict[str, Any] = {
        "kpi": as_enum(entry["kpi"], f"{where}.kpi", KPIS, RewardCode.INVALID_RESTRICTION),
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
            entry.get("weekStartDay", "MONDAY"), f"{where}.weekStartDay", WEEKDAYS, RewardCode.INVALID_RESTRICTION
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
            _required(entry, key, where, RewardCode.INVALID_REVENUE)
        result.append(
            {
                "commissionParticipant": as_enum(
                    entry["commissionParticipant"],
                    f"{where}.commissionParticipant",
                    COMMISSION_PARTICIPANTS,
                    RewardCode.INVALID_REVENUE,
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
                    RewardCode.INVALID_REVENUE,
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
            raise invalid(f"{where}.groupName is required", f"{where}.groupName")
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
            raise invalid(f"{field}[{i}] must not be blank", f"{field}[{i}]")
        result.append(text)
    return result


def _custom_fields(value: Any, field: str) -> dict[str, Any]:
    return free_form(as_object(value, field), field=field)


def _nullable(parse: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    return lambda value, field: None if value is None else parse(value, field)


# Wire name -> parser of one field. Everything a body may carry of seed 003.
PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "type": _nullable(lambda v, f: as_enum(v, f, Category, RewardCode.INVALID_TYPE)),
    "redemptionType": _nullable(lambda v, f: as_enum(v, f, RedemptionType, RewardCode.INVALID_REDEMPTION_TYPE)),
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
            raise invalid(f"{' and '.join(given)} disagree", next(iter(given)), RewardCode.INVALID_SCHEDULE)
        if parsed:
            raw[canonical] = next(iter(given.values()))
    return {field: parse(raw[field], field) for field, parse in PARSERS.items() if field in raw}
