"""Seed 003's field and cross-field rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laurels.kit.errors import InvalidInput
from laurels.rewards.blocks import parse_fields
from laurels.rewards.eligibility import Profile, in_audience, in_geography, visible_to_org, within_limits
from laurels.rewards.rules import check_rules
from laurels.rewards.vocabulary import AUDIENCE_FIELDS, CONV_RATIO_TYPES, RedemptionType

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def rules_error(state: dict[str, Any]) -> str:
    with pytest.raises(InvalidInput) as caught:
        check_rules(state, set(state), NOW)
    return caught.value.message


def test_both_date_formats_and_aliases() -> None:
    fields = parse_fields({"startDate": "2025-03-18 07:46:55", "endDateTime": "2026-10-31T11:59:30Z"})
    assert fields["startTime"] == datetime(2025, 3, 18, 7, 46, 55, tzinfo=UTC)
    assert fields["endTime"] == datetime(2026, 10, 31, 11, 59, 30, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        parse_fields({"startDate": "2025-03-18 07:46:55", "startTime": "2025-03-19T00:00:00Z"})


def test_numbers_as_strings_are_read_as_numbers() -> None:
    fields = parse_fields({"rewardRank": "1", "categories": ["11"], "priority": "2"})
    assert fields == {"rewardRank": 1, "categories": [11], "priority": 2}
    with pytest.raises(InvalidInput) as caught:
        parse_fields({"priority": "first"})
    assert caught.value.field == "priority"


def test_blank_tier_resets_to_null_and_long_text_is_refused() -> None:
    assert parse_fields({"tier": "  "})["tier"] is None
    with pytest.raises(InvalidInput):
        parse_fields({"group": "g" * 256})


@pytest.mark.parametrize("mode", ["FREE", "CONV_RATIO"])
@pytest.mark.parametrize("other", ["POINTS", "CASH", "POINTS_CASH"])
def test_free_and_conv_ratio_stand_alone(mode: str, other: str) -> None:
    amounts = {"POINTS": {"points": 1}, "CASH": {"cash": 1}, "POINTS_CASH": {"points": 1, "cash": 1}}
    configs = [{"paymentMode": mode, "conversionRatio": 0.5}, {"paymentMode": other, **amounts[other]}]
    state = {"redemptionType": "MILES", **parse_fields({"paymentConfigs": configs})}
    assert rules_error(state).startswith("Multiple payments is not supported within FREE and CONV_RATIO modes")


@pytest.mark.parametrize("kind", list(RedemptionType))
def test_conv_ratio_only_for_the_listed_types(kind: RedemptionType) -> None:
    state: dict[str, Any] = {
        "redemptionType": kind.value,
        "paymentConfigs": [{"paymentMode": "CONV_RATIO", "conversionRatio": 0.3}],
        "intouchSeriesId": "1" if kind.value in ("INTOUCH_REWARD", "VENDOR_INTOUCH_REWARD", "CART_PROMOTION") else None,
        "vendorRedemption": "v" if kind.value == "VENDOR_INTOUCH_REWARD" else None,
    }
    if kind in CONV_RATIO_TYPES:
        check_rules(state, set(state), NOW)
    else:
        assert rules_error(state).startswith("Conversion ratio can be set only for")


def test_payment_amounts_are_required_per_mode() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_fields({"paymentConfigs": [{"paymentMode": "POINTS_CASH", "points": 5}]})
    assert caught.value.field == "paymentConfigs[0].cash"


@given(st.lists(st.sampled_from(AUDIENCE_FIELDS), min_size=2, max_size=4, unique=True))
def test_two_kinds_of_audience_never_pass(kinds: list[str]) -> None:
    values = {
        "cardSeries": ["A"],
        "labels": [1],
        "segment": [{"segmentId": 1, "partitionId": []}],
        "supplementaryCriteriaRO": [{"loyaltyProgramId": 1}],
    }
    state = {kind: values[kind] for kind in kinds}
    with pytest.raises(InvalidInput) as caught:
        check_rules(state, set(state), NOW)
    assert caught.value.code == "AUDIENCE_CONFLICT"


def test_audience_membership() -> None:
    member = Profile(
        tiers={10: 2},
        labels=frozenset({7}),
        card_series=frozenset({"GOLD"}),
        partitions=frozenset({(3, 30)}),
        partner_programs=frozenset({48}),
        country_id=5,
    )
    nobody = Profile()
    cases: list[dict[str, Any]] = [
        {"cardSeries": ["GOLD", "PLATINUM"]},
        {"labels": [7, 8]},
        {"segment": [{"segmentId": 3, "partitionId": [30, 31]}]},
        {"segment": [{"segmentId": 3, "partitionId": []}]},
        {"supplementaryCriteriaRO": [{"loyaltyProgramId": 10, "tierIds": [2], "partnerProgramIds": [48]}]},
        {"supplementaryCriteriaRO": [{"loyaltyProgramId": 10, "tierIds": None, "partnerProgramIds": None}]},
    ]
    for reward in cases:
        assert in_audience(reward, member), reward
        assert not in_audience(reward, nobody), reward
    assert not in_audience({"supplementaryCriteriaRO": [{"loyaltyProgramId": 10, "tierIds": [3]}]}, member)
    assert in_audience({}, nobody)
    assert in_geography({"geography": [{"countryId": 5}]}, member)
    assert not in_geography({"geography": [{"countryId": 5}]}, nobody)
    assert in_geography({"geography": []}, nobody)


def test_org_restrictions_and_limits() -> None:
    restricted = {"orgLevelRestrictions": [{"orgId": "b", "isValid": True}, {"orgId": "c", "isValid": False}]}
    assert visible_to_org(restricted, "a", "a")
    assert visible_to_org(restricted, "a", "b")
    assert not visible_to_org(restricted, "a", "c")
    assert not visible_to_org(restricted, "a", "d")
    assert visible_to_org({}, "a", "d")
    limits = {"restrictions": {"rewardLevel": [{"kpi": "QUANTITY", "limit": 3}], "customerLevel": []}}
    assert within_limits(limits, lambda level, index: 2)
    assert not within_limits(limits, lambda level, index: 3)
