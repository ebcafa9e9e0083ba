"""Reward group items and payout rules, without a database: parsing, matching, what is offered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from laurels.kit.errors import InvalidInput
from laurels.payouts.rules import (
    MAX_GROUP_REWARDS,
    MAX_RULE_GROUPS,
    MAX_RULES,
    Candidate,
    ItemIn,
    Rule,
    first_match,
    group_refs,
    guid,
    offered,
    parse_items,
    parse_query,
    parse_rules,
)

G1 = "6f1c1e0a-0000-4000-8000-000000000001"
G2 = "6f1c1e0a-0000-4000-8000-000000000002"
G3 = "6f1c1e0a-0000-4000-8000-000000000003"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def refusal(fn: Any, *args: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        fn(*args)
    return caught.value


def rule(**fields: Any) -> dict[str, Any]:
    return {"priority": 1, "currency": "EUR", "rewardGroupIds": [G1], **fields}


def parsed_rule(**fields: Any) -> Rule:
    return Rule.of(parse_rules([rule(**fields)])[0])


# ---- items ------------------------------------------------------------------------


def test_items_parse_ids_and_integer_ids() -> None:
    assert parse_items([{"rewardId": "rew_a", "enabled": True}, {"rewardId": 42, "enabled": False}]) == [
        ItemIn("rew_a", True),
        ItemIn("42", False),
    ]
    assert parse_items([]) == []


@pytest.mark.parametrize(
    ("value", "code", "field"),
    [
        (None, "INVALID_REWARDS", "rewards"),
        ({"rewardId": "x"}, "INVALID_REWARDS", "rewards"),
        ([{"rewardId": "x", "enabled": True}] * (MAX_GROUP_REWARDS + 1), "INVALID_REWARDS", "rewards"),
        (["rew_a"], "INVALID_REWARDS", "rewards[0]"),
        ([{"rewardId": "x", "enabled": True, "enable": True}], "INVALID_REWARDS", "rewards[0]"),
        ([{"rewardId": "x"}], "MISSING_REQUIRED_FIELDS", "rewards[0].enabled"),
        ([{"enabled": True, "rewardId": None}], "MISSING_REQUIRED_FIELDS", "rewards[0].rewardId"),
        ([{"rewardId": True, "enabled": True}], "INVALID_REWARDS", "rewards[0].rewardId"),
        ([{"rewardId": " ", "enabled": True}], "INVALID_REWARDS", "rewards[0].rewardId"),
        (
            [{"rewardId": "x", "enabled": True}, {"rewardId": "y", "enabled": "yes"}],
            "INVALID_REWARDS",
            "rewards[1].enabled",
        ),
    ],
)
def test_bad_items_name_the_field(value: object, code: str, field: str) -> None:
    error = refusal(parse_items, value)
    assert (error.code, error.field) == (code, field)


def test_missing_item_fields_are_listed_together() -> None:
    error = refusal(parse_items, [{}])
    assert error.message == "Missing required fields: rewards[0].rewardId, rewards[0].enabled"


def test_guid() -> None:
    assert guid(G1.upper()) == G1
    assert guid("not-a-guid") is None
    assert guid("1" * 100) is None


# ---- rules: parsing ----------------------------------------------------------------


def test_rules_are_normalized() -> None:
    [normalized] = parse_rules(
        [
            {
                "priority": 2.0,
                "currency": "eur",
                "countries": ["gb", "FR"],
                "minimumValue": 10,
                "maximumValue": 99.99,
                "rewardGroupIds": [G2.upper(), G1],
            }
        ]
    )
    assert normalized == {
        "priority": 2,
        "currency": "EUR",
        "countries": ["GB", "FR"],
        "minimumValue": 10,
        "maximumValue": 99.99,
        "rewardGroupIds": [G2, G1],
    }
    [defaults] = parse_rules([rule()])
    assert defaults["countries"] == []
    assert defaults["minimumValue"] is None
    assert defaults["maximumValue"] is None
    assert parse_rules([]) == []


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"priority": None}, "MISSING_REQUIRED_FIELDS", "rules[0].priority"),
        ({"priority": "1"}, "INVALID_PRIORITY", "rules[0].priority"),
        ({"priority": 1.5}, "INVALID_PRIORITY", "rules[0].priority"),
        ({"priority": True}, "INVALID_PRIORITY", "rules[0].priority"),
        ({"priority": 2**31}, "INVALID_PRIORITY", "rules[0].priority"),
        ({"currency": "EURO"}, "INVALID_CURRENCY", "rules[0].currency"),
        ({"currency": "ABC"}, "INVALID_CURRENCY", "rules[0].currency"),
        ({"currency": 978}, "INVALID_CURRENCY", "rules[0].currency"),
        ({"countries": "GB"}, "INVALID_COUNTRY", "rules[0].countries"),
        ({"countries": ["GB", "XX"]}, "INVALID_COUNTRY", "rules[0].countries[1]"),
        ({"countries": ["GBR"]}, "INVALID_COUNTRY", "rules[0].countries[0]"),
        ({"countries": ["gb", "GB"]}, "INVALID_COUNTRY", "rules[0].countries[1]"),
        ({"minimumValue": -1}, "INVALID_VALUE", "rules[0].minimumValue"),
        ({"maximumValue": "10"}, "INVALID_VALUE", "rules[0].maximumValue"),
        ({"maximumValue": float("inf")}, "INVALID_VALUE", "rules[0].maximumValue"),
        ({"minimumValue": 10.5, "maximumValue": 10}, "INVALID_VALUE_RANGE", "rules[0].minimumValue"),
        ({"rewardGroupIds": []}, "INVALID_REWARD_GROUP_IDS", "rules[0].rewardGroupIds"),
        ({"rewardGroupIds": G1}, "INVALID_REWARD_GROUP_IDS", "rules[0].rewardGroupIds"),
        ({"rewardGroupIds": [G1, 7]}, "INVALID_REWARD_GROUP_IDS", "rules[0].rewardGroupIds[1]"),
        ({"rewardGroupIds": [G1, G1.upper()]}, "INVALID_REWARD_GROUP_IDS", "rules[0].rewardGroupIds[1]"),
        ({"rewardGroupIds": [G1] * (MAX_RULE_GROUPS + 1)}, "INVALID_REWARD_GROUP_IDS", "rules[0].rewardGroupIds"),
        ({"rewardGroupIds": ["gift-cards"]}, "UNKNOWN_REWARD_GROUP", "rules[0].rewardGroupIds[0]"),
        ({"minimumvalue": 1}, "INVALID_RULES", "rules[0]"),
    ],
)
def test_bad_rules_name_the_field(fields: dict[str, Any], code: str, field: str) -> None:
    error = refusal(parse_rules, [rule(**fields)])
    assert (error.code, error.field) == (code, field)


def test_rules_must_be_a_bounded_list_of_objects() -> None:
    assert refusal(parse_rules, None).field == "rules"
    assert refusal(parse_rules, {"priority": 1}).field == "rules"
    assert refusal(parse_rules, [rule()] * (MAX_RULES + 1)).field == "rules"
    assert refusal(parse_rules, [rule(), "x"]).field == "rules[1]"
    assert refusal(parse_rules, [{}]).message == (
        "Missing required fields: rules[0].priority, rules[0].currency, rules[0].rewardGroupIds"
    )


def test_min_equal_to_max_is_one_value() -> None:
    only_ten = parsed_rule(minimumValue=10, maximumValue=10.0)
    assert only_ten.matches(Decimal(10), "EUR", "GB")
    assert not only_ten.matches(Decimal("10.01"), "EUR", "GB")


def test_group_refs_point_at_the_first_mention() -> None:
    rules = parse_rules([rule(rewardGroupIds=[G1, G2]), rule(rewardGroupIds=[G3, G2])])
    assert group_refs(rules) == {
        G1: "rules[0].rewardGroupIds[0]",
        G2: "rules[0].rewardGroupIds[1]",
        G3: "rules[1].rewardGroupIds[0]",
    }


# ---- rules: matching ---------------------------------------------------------------


def test_a_rule_matches_currency_country_and_inclusive_range() -> None:
    r = parsed_rule(countries=["GB", "IE"], minimumValue=10, maximumValue=50.5)
    assert r.matches(Decimal(10), "EUR", "GB")
    assert r.matches(Decimal("50.5"), "EUR", "IE")
    assert not r.matches(Decimal("9.99"), "EUR", "GB")
    assert not r.matches(Decimal("50.51"), "EUR", "GB")
    assert not r.matches(Decimal(20), "GBP", "GB")
    assert not r.matches(Decimal(20), "EUR", "FR")


def test_no_countries_and_no_bounds_match_everything_in_the_currency() -> None:
    r = parsed_rule()
    assert r.matches(Decimal(0), "EUR", "JP")
    assert r.matches(Decimal("1e12"), "EUR", "US")
    assert not r.matches(Decimal(1), "USD", "US")


def test_float_bounds_compare_exactly_as_written() -> None:
    r = parsed_rule(minimumValue=0.1, maximumValue=0.3)
    assert r.matches(Decimal("0.1"), "EUR", "GB")
    assert r.matches(Decimal("0.3"), "EUR", "GB")
    assert not r.matches(Decimal("0.30000000000000001"), "EUR", "GB")


def test_the_lowest_priority_matching_rule_decides_ties_by_list_order() -> None:
    rules = [
        parsed_rule(priority=5),
        parsed_rule(priority=1, countries=["FR"]),
        parsed_rule(priority=3),
        parsed_rule(priority=3, countries=["GB"]),
        parsed_rule(priority=-2, currency="USD"),
    ]
    assert first_match(rules, Decimal(1), "EUR", "FR") == 1
    assert first_match(rules, Decimal(1), "EUR", "GB") == 2  # priority 3 twice: the earlier one
    assert first_match(rules, Decimal(1), "USD", "GB") == 4
    assert first_match(rules, Decimal(1), "GBP", "GB") is None
    assert first_match([], Decimal(1), "EUR", "GB") is None


# ---- the options query ---------------------------------------------------------------


def test_query_is_parsed() -> None:
    recipient = parse_query(" 25.50 ", "eur", "gb")
    assert (recipient.value, recipient.currency, recipient.country) == (Decimal("25.50"), "EUR", "GB")


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ((None, None, None), "MISSING_REQUIRED_FIELDS", "value"),
        (("1", "", "GB"), "MISSING_REQUIRED_FIELDS", "currency"),
        (("1", "EUR", None), "MISSING_REQUIRED_FIELDS", "country"),
        (("-1", "EUR", "GB"), "INVALID_VALUE", "value"),
        (("1e3", "EUR", "GB"), "INVALID_VALUE", "value"),
        (("NaN", "EUR", "GB"), "INVALID_VALUE", "value"),
        (("ten", "EUR", "GB"), "INVALID_VALUE", "value"),
        (("1", "XYZ", "GB"), "INVALID_CURRENCY", "currency"),
        (("1", "EUR", "UK"), "INVALID_COUNTRY", "country"),
        (("1", "EUR", "GBR"), "INVALID_COUNTRY", "country"),
    ],
)
def test_bad_query_names_the_parameter(query: tuple[str | None, ...], code: str, field: str) -> None:
    error = refusal(parse_query, *query)
    assert (error.code, error.field) == (code, field)


def test_missing_query_parameters_are_listed_together() -> None:
    assert refusal(parse_query, None, None, None).message == "Missing required fields: value, currency, country"


# ---- what is offered -------------------------------------------------------------------


def item(group: str, reward: int, position: int, **fields: Any) -> Candidate:
    values: dict[str, Any] = {
        "item_enabled": True,
        "reward_enabled": True,
        "start_at": None,
        "end_at": None,
        **fields,
    }
    return Candidate(group_id=group, reward_pk=reward, position=position, **values)


def test_offered_in_rule_group_order_then_item_position_once_each() -> None:
    candidates = [
        item(G1, 10, 1),
        item(G1, 11, 0),
        item(G2, 20, 0),
        item(G2, 10, 1),  # also in G1: offered once, where first
        item(G3, 30, 0),  # a group the rule does not name
    ]
    chosen = offered([G2, G1], candidates, NOW)
    assert [(c.group_id, c.reward_pk) for c in chosen] == [(G2, 20), (G2, 10), (G1, 11)]


def test_only_enabled_items_of_enabled_live_rewards() -> None:
    hour = timedelta(hours=1)
    candidates = [
        item(G1, 1, 0, item_enabled=False),
        item(G1, 2, 1, reward_enabled=False),
        item(G1, 3, 2, start_at=NOW + hour),  # UPCOMING
        item(G1, 4, 3, end_at=NOW - hour),  # ENDED
        item(G1, 5, 4, start_at=NOW - hour, end_at=NOW + hour),
        item(G1, 6, 5, start_at=NOW, end_at=NOW),  # LIVE for this very second
    ]
    assert [c.reward_pk for c in offered([G1], candidates, NOW)] == [5, 6]


def test_a_reward_switched_off_in_one_group_is_offered_from_the_next() -> None:
    candidates = [item(G1, 7, 0, item_enabled=False), item(G2, 7, 0)]
    assert [(c.group_id, c.reward_pk) for c in offered([G1, G2], candidates, NOW)] == [(G2, 7)]


def test_nothing_to_offer() -> None:
    assert offered([G1], [], NOW) == []
    assert offered([], [item(G1, 1, 0)], NOW) == []
