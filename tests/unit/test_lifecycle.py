"""The editability table and the lifecycle, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from laurels.kit.errors import InvalidInput
from laurels.rewards.blocks import PARSERS
from laurels.rewards.lifecycle import EDITABLE_IN, State, check_editable, state_of

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def test_state_is_derived_from_the_schedule() -> None:
    assert state_of(NOW + SECOND, None, NOW) is State.UPCOMING
    assert state_of(NOW, None, NOW) is State.LIVE
    assert state_of(None, None, NOW) is State.LIVE
    assert state_of(NOW - SECOND, NOW, NOW) is State.LIVE  # the end is inclusive to the second
    assert state_of(NOW - 2 * SECOND, NOW - SECOND, NOW) is State.ENDED


def test_every_field_has_a_row() -> None:
    assert set(PARSERS) - {"name", "description"} <= set(EDITABLE_IN)


@pytest.mark.parametrize(
    ("field", "upcoming", "live", "ended"),
    [
        ("startTime", True, False, False),
        ("endTime", True, True, True),
        ("enabled", True, True, True),
        ("type", True, False, False),
        ("redemptionType", True, False, False),
        ("paymentConfigs", True, False, False),
        ("vendorRedemption", True, False, False),
        ("intouchSeriesId", True, False, False),
        ("supplementaryCriteriaRO", True, True, False),
        ("labels", True, True, False),
        ("cardSeries", True, True, False),
        ("segment", True, True, False),
        ("groups", True, True, False),
        ("rewardRank", True, True, False),
        ("restrictions", True, True, False),
        ("tier", True, True, False),
        ("group", True, True, False),
        ("label", True, True, False),
        ("categories", True, True, False),
        ("geography", True, True, False),
        ("languageSpecificInfo", True, True, True),
        ("customFields", True, True, True),
        ("name", True, True, True),
        ("description", True, True, True),
    ],
)
def test_editability_table(field: str, upcoming: bool, live: bool, ended: bool) -> None:
    for state, allowed in ((State.UPCOMING, upcoming), (State.LIVE, live), (State.ENDED, ended)):
        if allowed:
            check_editable([field], state)
        else:
            with pytest.raises(InvalidInput) as caught:
                check_editable([field], state)
            assert caught.value.field == field
            assert caught.value.code == "FIELD_NOT_EDITABLE"


def test_refusals_name_the_field_and_state() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_editable(["redemptionType"], State.LIVE)
    assert caught.value.message == "Redemption type cannot be changed once the reward has started"
    with pytest.raises(InvalidInput) as caught:
        check_editable(["tier"], State.ENDED)
    assert caught.value.message == "tier cannot be changed while the reward is ENDED"
