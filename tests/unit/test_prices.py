"""What a purchase costs in each payment mode (issuance.rules.price_of): plain Python."""

from __future__ import annotations

from laurels.issuance.rules import price_of


def test_points_and_cash_are_per_unit() -> None:
    assert price_of({"paymentMode": "POINTS", "points": 100}, 5, 3, None) == {
        "mode": "POINTS",
        "points": 300,
        "cash": None,
        "cashPaymentRef": None,
    }
    assert price_of({"paymentMode": "POINTS_CASH", "points": 40, "cash": 2.5}, 5, 2, "ref") == {
        "mode": "POINTS_CASH",
        "points": 80,
        "cash": 5.0,
        "cashPaymentRef": "ref",
    }
    assert price_of({"paymentMode": "FREE"}, 5, 4, None)["points"] == 0


def test_a_conversion_ratio_rounds_each_unit_up_to_a_whole_point() -> None:
    # A reward worth 500 (its intouchPoints, say) at 0.33 points per unit of value: 165 points a unit.
    assert price_of({"paymentMode": "CONV_RATIO", "conversionRatio": 0.33}, 500, 2, None)["points"] == 330
    # 5 x 0.33 = 1.65: 2 points, never 1.
    assert price_of({"paymentMode": "CONV_RATIO", "conversionRatio": 0.33}, 5, 1, None)["points"] == 2
