"""The rules of reward groups and payout schemes, as plain Python (no ORM, no HTTP).

Three jobs, each unit-tested without a database:

* reading what a client sent — a group's ``rewards`` items and a draft's
  collection ``rules`` — into normalized values, refusing with a stable code
  and the exact field (``rules[2].countries[0]``);
* choosing the rule a recipient's (value, currency, country) falls under:
  rules are tried by ``priority``, lower first, and among equal priorities in
  the order the draft lists them; the first that matches decides;
* listing what that rule offers: the enabled items of its groups whose rewards
  are enabled and LIVE, group by group in the rule's order, each group's items
  in the group's order, each reward once.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pycountry

from laurels.kit.errors import CommonCode, InvalidInput
from laurels.reference.countries import country_by_code
from laurels.rewards.lifecycle import State, state_of


class PayoutCode(StrEnum):
    REWARD_GROUP_NOT_FOUND = "REWARD_GROUP_NOT_FOUND"
    REWARD_GROUP_NAME_TAKEN = "REWARD_GROUP_NAME_TAKEN"
    REWARD_GROUP_IN_USE = "REWARD_GROUP_IN_USE"
    INVALID_NAME = "INVALID_NAME"
    INVALID_DESCRIPTION = "INVALID_DESCRIPTION"
    INVALID_REWARDS = "INVALID_REWARDS"
    UNKNOWN_REWARD = "UNKNOWN_REWARD"
    DUPLICATE_REWARD = "DUPLICATE_REWARD"
    PAYOUT_SCHEME_NOT_FOUND = "PAYOUT_SCHEME_NOT_FOUND"
    DRAFT_NOT_FOUND = "DRAFT_NOT_FOUND"
    DRAFT_NOT_EDITABLE = "DRAFT_NOT_EDITABLE"
    DRAFT_SUPERSEDED = "DRAFT_SUPERSEDED"
    ACTIVE_DRAFT_CHANGED = "ACTIVE_DRAFT_CHANGED"
    INVALID_RULES = "INVALID_RULES"
    INVALID_PRIORITY = "INVALID_PRIORITY"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_COUNTRY = "INVALID_COUNTRY"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_VALUE_RANGE = "INVALID_VALUE_RANGE"
    INVALID_REWARD_GROUP_IDS = "INVALID_REWARD_GROUP_IDS"
    UNKNOWN_REWARD_GROUP = "UNKNOWN_REWARD_GROUP"
    NO_ACTIVE_DRAFT = "NO_ACTIVE_DRAFT"
    REWARD_NOT_OFFERED = "REWARD_NOT_OFFERED"


class OptionsReason(StrEnum):
    """Why a recipient is offered nothing (the options answer carries it beside the empty list)."""

    NO_ACTIVE_DRAFT = "NO_ACTIVE_DRAFT"
    NO_RULE_MATCHES = "NO_RULE_MATCHES"
    NO_AVAILABLE_REWARDS = "NO_AVAILABLE_REWARDS"


# Bounds that keep one request's work small; docs/payouts.md lists them.
MAX_GROUP_REWARDS = 500
MAX_RULES = 100
MAX_RULE_GROUPS = 50
PRIORITY_MIN = -(2**31)
PRIORITY_MAX = 2**31 - 1

ITEM_FIELDS = ("rewardId", "enabled")
RULE_FIELDS = ("priority", "currency", "countries", "minimumValue", "maximumValue", "rewardGroupIds")
RULE_REQUIRED = ("priority", "currency", "rewardGroupIds")
QUERY_REQUIRED = ("value", "currency", "country")

# A value in a query string: plain decimal notation, never negative.
_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _missing(names: Sequence[str]) -> InvalidInput:
    return InvalidInput(
        "Missing required fields: " + ", ".join(names), code=CommonCode.MISSING_REQUIRED_FIELDS, field=names[0]
    )


def _object(value: object, field: str, code: str, keys: Sequence[str]) -> Mapping[str, Any]:
    """``value`` as a JSON object with only the given keys (a misspelt key would silently change a rule)."""
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{field} must be an object", code=code, field=field)
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise InvalidInput(
            f"{field} has unknown field(s) {', '.join(unknown)}; known: {', '.join(keys)}", code=code, field=field
        )
    return value


def _list(value: object, field: str, code: str, *, at_most: int, at_least: int = 0) -> list[Any]:
    if not isinstance(value, list) or not at_least <= len(value) <= at_most:
        raise InvalidInput(f"{field} must be a list of {at_least} to {at_most} entries", code=code, field=field)
    return value


# ---- reward groups ----------------------------------------------------------


@dataclass(frozen=True)
class ItemIn:
    """A reward item as sent: ``reward`` is a rewardId or an integer id, to be resolved in the org's catalog."""

    reward: str
    enabled: bool


def parse_items(value: object) -> list[ItemIn]:
    """A group's ``rewards``: a list of ``{rewardId, enabled}``, both required."""
    items = _list(value, "rewards", PayoutCode.INVALID_REWARDS, at_most=MAX_GROUP_REWARDS)
    parsed: list[ItemIn] = []
    for i, raw in enumerate(items):
        field = f"rewards[{i}]"
        item = _object(raw, field, PayoutCode.INVALID_REWARDS, ITEM_FIELDS)
        missing = [f"{field}.{name}" for name in ITEM_FIELDS if item.get(name) is None]
        if missing:
            raise _missing(missing)
        reward, enabled = item["rewardId"], item["enabled"]
        if isinstance(reward, bool) or not isinstance(reward, str | int) or str(reward).strip() == "":
            raise InvalidInput(
                f"{field}.rewardId must be a rewardId or an integer id",
                code=PayoutCode.INVALID_REWARDS,
                field=f"{field}.rewardId",
            )
        if not isinstance(enabled, bool):
            raise InvalidInput(
                f"{field}.enabled must be true or false", code=PayoutCode.INVALID_REWARDS, field=f"{field}.enabled"
            )
        parsed.append(ItemIn(reward=str(reward), enabled=enabled))
    return parsed


def guid(value: str) -> str | None:
    """The canonical (lower-case, hyphenated) form of a GUID, or None if ``value`` is not one."""
    try:
        return str(uuid.UUID(value)) if len(value) <= 64 else None
    except ValueError:
        return None


# ---- collection rules -------------------------------------------------------


def currency_code(value: object, field: str) -> str:
    """An ISO 4217 alphabetic code, upper-cased."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not (len(code) == 3 and code.isascii() and code.isalpha() and pycountry.currencies.get(alpha_3=code)):
        raise InvalidInput(
            f"{field} must be an ISO 4217 currency code such as EUR", code=PayoutCode.INVALID_CURRENCY, field=field
        )
    return code


def country_code(value: object, field: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased."""
    country = country_by_code(value.strip()) if isinstance(value, str) and len(value.strip()) == 2 else None
    if country is None:
        raise InvalidInput(
            f"{field} must be an ISO 3166-1 alpha-2 country code such as GB",
            code=PayoutCode.INVALID_COUNTRY,
            field=field,
        )
    return country.code


def _amount(value: object, field: str) -> int | float | None:
    """A bound of a rule's value range: a finite number, zero or more, or null for no bound."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InvalidInput(
            f"{field} must be a number, zero or more, or null", code=PayoutCode.INVALID_VALUE, field=field
        )
    return value


def _priority(value: object, field: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not PRIORITY_MIN <= value <= PRIORITY_MAX:
        raise InvalidInput(
            f"{field} must be a whole number (32-bit); lower is tried first",
            code=PayoutCode.INVALID_PRIORITY,
            field=field,
        )
    return value


def decimal(value: int | float) -> Decimal:
    """A JSON number as a Decimal, exactly as written (0.1 stays 0.1)."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def parse_rules(value: object) -> list[dict[str, Any]]:
    """A draft's ``rules``, normalized: codes upper-cased, GUIDs canonical, optional fields filled in.

    Refuses with the field of the first problem. Whether each group exists in
    the org is for the caller to check (see :func:`group_refs`).
    """
    rules = _list(value, "rules", PayoutCode.INVALID_RULES, at_most=MAX_RULES)
    return [_parse_rule(raw, f"rules[{i}]") for i, raw in enumerate(rules)]


def _parse_rule(raw: object, field: str) -> dict[str, Any]:
    rule = _object(raw, field, PayoutCode.INVALID_RULES, RULE_FIELDS)
    missing = [f"{field}.{name}" for name in RULE_REQUIRED if rule.get(name) is None]
    if missing:
        raise _missing(missing)
    countries: list[str] = []
    raw_countries = rule.get("countries")
    if raw_countries is not None:
        entries = _list(raw_countries, f"{field}.countries", PayoutCode.INVALID_COUNTRY, at_most=1000)
        for j, entry in enumerate(entries):
            code = country_code(entry, f"{field}.countries[{j}]")
            if code in countries:
                raise InvalidInput(
                    f"{field}.countries[{j}] repeats {code}",
                    code=PayoutCode.INVALID_COUNTRY,
                    field=f"{field}.countries[{j}]",
                )
            countries.append(code)
    minimum = _amount(rule.get("minimumValue"), f"{field}.minimumValue")
    maximum = _amount(rule.get("maximumValue"), f"{field}.maximumValue")
    if minimum is not None and maximum is not None and decimal(minimum) > decimal(maximum):
        raise InvalidInput(
            f"{field}.minimumValue must not exceed {field}.maximumValue",
            code=PayoutCode.INVALID_VALUE_RANGE,
            field=f"{field}.minimumValue",
        )
    group_field = f"{field}.rewardGroupIds"
    entries = _list(
        rule["rewardGroupIds"], group_field, PayoutCode.INVALID_REWARD_GROUP_IDS, at_least=1, at_most=MAX_RULE_GROUPS
    )
    group_ids: list[str] = []
    for j, entry in enumerate(entries):
        if not isinstance(entry, str):
            raise InvalidInput(
                f"{group_field}[{j}] must be a rewardGroupId",
                code=PayoutCode.INVALID_REWARD_GROUP_IDS,
                field=f"{group_field}[{j}]",
            )
        canonical = guid(entry.strip())
        if canonical is None:
            # Not a GUID, so surely no group of the org: the same refusal as a GUID that names none.
            raise unknown_group(f"{group_field}[{j}]")
        if canonical in group_ids:
            raise InvalidInput(
                f"{group_field}[{j}] repeats a reward group of the rule",
                code=PayoutCode.INVALID_REWARD_GROUP_IDS,
                field=f"{group_field}[{j}]",
            )
        group_ids.append(canonical)
    return {
        "priority": _priority(rule["priority"], f"{field}.priority"),
        "currency": currency_code(rule["currency"], f"{field}.currency"),
        "countries": countries,
        "minimumValue": minimum,
        "maximumValue": maximum,
        "rewardGroupIds": group_ids,
    }


def unknown_group(field: str, *, deleted: bool = False) -> InvalidInput:
    """The refusal of a rule naming a group the org does not have (any more, if ``deleted``)."""
    reason = (
        "names a reward group that was deleted after the draft was saved; edit the draft"
        if deleted
        else ("names no reward group of this org")
    )
    return InvalidInput(f"{field} {reason}", code=PayoutCode.UNKNOWN_REWARD_GROUP, field=field)


def group_refs(rules: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Every group GUID the rules name -> the field of its first mention (``rules[0].rewardGroupIds[1]``)."""
    refs: dict[str, str] = {}
    for i, rule in enumerate(rules):
        for j, group_id in enumerate(rule["rewardGroupIds"]):
            refs.setdefault(group_id, f"rules[{i}].rewardGroupIds[{j}]")
    return refs


# ---- evaluation ---------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A stored rule, ready to match."""

    priority: int
    currency: str
    countries: frozenset[str]
    minimum: Decimal | None
    maximum: Decimal | None
    group_ids: tuple[str, ...]

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> Rule:
        """From a rule as :func:`parse_rules` normalized it."""
        low, high = doc.get("minimumValue"), doc.get("maximumValue")
        return cls(
            priority=int(doc["priority"]),
            currency=str(doc["currency"]),
            countries=frozenset(doc.get("countries") or ()),
            minimum=None if low is None else decimal(low),
            maximum=None if high is None else decimal(high),
            group_ids=tuple(doc["rewardGroupIds"]),
        )

    def matches(self, value: Decimal, currency: str, country: str) -> bool:
        """Same currency; the country listed (or no countries listed); min <= value <= max, both inclusive."""
        return (
            self.currency == currency
            and (not self.countries or country in self.countries)
            and (self.minimum is None or self.minimum <= value)
            and (self.maximum is None or value <= self.maximum)
        )


def first_match(rules: Sequence[Rule], value: Decimal, currency: str, country: str) -> int | None:
    """The index of the rule that decides: lowest priority first, ties in list order; None if none matches."""
    for index in sorted(range(len(rules)), key=lambda i: (rules[i].priority, i)):
        if rules[index].matches(value, currency, country):
            return index
    return None


@dataclass(frozen=True)
class Recipient:
    value: Decimal
    currency: str
    country: str


def parse_query(value: str | None, currency: str | None, country: str | None) -> Recipient:
    """The options query: ``value`` (plain decimal, zero or more), ``currency`` (ISO 4217), ``country`` (alpha-2)."""
    given = {"value": value, "currency": currency, "country": country}
    missing = [name for name in QUERY_REQUIRED if given[name] is None or not str(given[name]).strip()]
    if missing:
        raise _missing(missing)
    assert value is not None  # noqa: S101  (for the type checker: checked just above)
    if not _DECIMAL.match(value.strip()):
        raise InvalidInput(
            "value must be a number, zero or more, in plain decimal notation (e.g. 25 or 25.50)",
            code=PayoutCode.INVALID_VALUE,
            field="value",
        )
    return Recipient(
        value=Decimal(value.strip()),
        currency=currency_code(currency, "currency"),
        country=country_code(country, "country"),
    )


@dataclass(frozen=True)
class Candidate:
    """A reward item of a group, with what decides whether it may be offered now."""

    group_id: str
    reward_pk: int
    position: int
    item_enabled: bool
    reward_enabled: bool
    start_at: datetime | None
    end_at: datetime | None

    def available(self, now: datetime) -> bool:
        return self.item_enabled and self.reward_enabled and state_of(self.start_at, self.end_at, now) is State.LIVE


def offered(group_ids: Sequence[str], candidates: Iterable[Candidate], now: datetime) -> list[Candidate]:
    """The items to offer, in order: the rule's groups in its order, each group's items by position,
    available ones only, each reward once (where it is first available)."""
    by_group: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_group[candidate.group_id].append(candidate)
    seen: set[int] = set()
    chosen: list[Candidate] = []
    for group_id in group_ids:
        for candidate in sorted(by_group.get(group_id, ()), key=lambda c: c.position):
            if candidate.reward_pk not in seen and candidate.available(now):
                seen.add(candidate.reward_pk)
                chosen.append(candidate)
    return chosen
