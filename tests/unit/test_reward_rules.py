"""Seed 004's validation rules, without a database."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laurels.kit.errors import InvalidInput
from laurels.kit.validation import require_fields
from laurels.rewards.rules import REQUIRED_ON_CREATE, ConfigRefs, RewardType, check_status, validate_config


def test_defaults_are_filled_in() -> None:
    assert validate_config(RewardType.PRODUCT, {"productId": "p"}) == (
        {"productId": "p", "quantity": 1},
        ConfigRefs(product_id="p"),
    )
    assert validate_config(RewardType.COMPETITION_ENTRY, {"competitionId": "c"})[0] == {
        "competitionId": "c",
        "entries": 1,
    }
    assert validate_config(RewardType.UNIQUE_COUPON, {"codePoolId": "x"})[1] == ConfigRefs(code_pool_id="x")


@pytest.mark.parametrize(
    ("reward_type", "config"),
    [
        (RewardType.POINTS, {"amount": True}),
        (RewardType.POINTS, {"amount": float("inf")}),
        (RewardType.POINTS, {"amount": None}),
        (RewardType.PRODUCT, {"productId": "  "}),
        (RewardType.PRODUCT, {"productId": "p", "quantity": -1}),
        (RewardType.COMPETITION_ENTRY, {"competitionId": "c", "entries": "2"}),
        (RewardType.NON_UNIQUE_COUPON, {"code": "X", "discountType": "percentage", "discountValue": 101}),
        (RewardType.NON_UNIQUE_COUPON, {"code": "", "discountType": "fixed", "discountValue": 1}),
    ],
)
def test_invalid_configs(reward_type: RewardType, config: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_config(reward_type, config)
    assert caught.value.code == "INVALID_CONFIG"
    assert caught.value.field is not None
    assert caught.value.field.startswith("config.")


def test_whole_floats_are_accepted_as_counts() -> None:
    assert validate_config(RewardType.PRODUCT, {"productId": "p", "quantity": 2.0})[0]["quantity"] == 2


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False) | st.integers(min_value=1, max_value=10**12))
def test_any_positive_amount_is_a_valid_points_config(amount: float) -> None:
    assert validate_config(RewardType.POINTS, {"amount": amount})[0] == {"amount": amount}


@given(st.floats(max_value=0, allow_nan=False) | st.integers(max_value=0))
def test_no_non_positive_amount_is(amount: float) -> None:
    with pytest.raises(InvalidInput):
        validate_config(RewardType.POINTS, {"amount": amount})


@given(st.sets(st.sampled_from(REQUIRED_ON_CREATE)))
def test_missing_fields_are_listed_in_the_seed_order(present: set[str]) -> None:
    payload = dict.fromkeys(present, "x")
    missing = [name for name in REQUIRED_ON_CREATE if name not in present]
    if not missing:
        require_fields(payload, REQUIRED_ON_CREATE)
        return
    with pytest.raises(InvalidInput) as caught:
        require_fields(payload, REQUIRED_ON_CREATE)
    assert caught.value.message == "Missing required fields: " + ", ".join(missing)


def test_status() -> None:
    assert check_status("active") is True
    assert check_status("inactive") is False
    with pytest.raises(InvalidInput):
        check_status("ACTIVE")
