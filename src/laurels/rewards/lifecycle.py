"""A reward's state over time, and what may be edited in each state.

The vendor's editability table lost its marks; DESIGN.md section 2 fixes the
rule and this module is the one place it lives. Plain Python, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from laurels.kit.errors import InvalidInput
from laurels.rewards.vocabulary import RewardCode


class State(StrEnum):
    UPCOMING = "UPCOMING"
    LIVE = "LIVE"
    ENDED = "ENDED"


def state_of(start_at: datetime | None, end_at: datetime | None, now: datetime) -> State:
    """UPCOMING before the start, ENDED after the end (inclusive to the second), LIVE between.

    A reward without a start has always started; without an end it never ends.
    """
    if start_at is not None and now < start_at:
        return State.UPCOMING
    if end_at is not None and now > end_at:
        return State.ENDED
    return State.LIVE


_ANY = frozenset(State)
_BEFORE_END = frozenset({State.UPCOMING, State.LIVE})
_BEFORE_START = frozenset({State.UPCOMING})

# Field (by its wire name) -> the states in which it may change.
# What a customer pays and how the reward is fulfilled is fixed once it has
# started; who may have it, how it is classified and limited can change while it
# is live; once ended only the end time (to reopen it), the switch and the
# content can change.
EDITABLE_IN: dict[str, frozenset[State]] = {
    # schedule and switch
    "startTime": _BEFORE_START,
    "endTime": _ANY,
    "enabled": _ANY,
    # what it is, what it costs, how it is fulfilled
    "type": _BEFORE_START,
    "redemptionType": _BEFORE_START,
    "paymentConfigs": _BEFORE_START,
    "intouchPoints": _BEFORE_START,
    "vendorId": _BEFORE_START,
    "vendorRedemption": _BEFORE_START,
    "intouchSeriesId": _BEFORE_START,
    # what is delivered, in seed 004's words (the type itself never changes)
    "config": _BEFORE_END,
    # audience
    "supplementaryCriteriaRO": _BEFORE_END,
    "labels": _BEFORE_END,
    "cardSeries": _BEFORE_END,
    "segment": _BEFORE_END,
    "orgLevelRestrictions": _BEFORE_END,
    # groups, ranks, limits
    "groups": _BEFORE_END,
    "rewardRank": _BEFORE_END,
    "restrictions": _BEFORE_END,
    # classification
    "tier": _BEFORE_END,
    "group": _BEFORE_END,
    "label": _BEFORE_END,
    "categories": _BEFORE_END,
    "geography": _BEFORE_END,
    "priority": _BEFORE_END,
    "tillId": _BEFORE_END,
    "programId": _BEFORE_END,
    "communications": _BEFORE_END,
    "owners": _BEFORE_END,
    "rewardRevenueMeta": _BEFORE_END,
    "rewardRevenueDefaults": _BEFORE_END,
    # content
    "name": _ANY,
    "description": _ANY,
    "languageSpecificInfo": _ANY,
    "customFields": _ANY,
    "metadata": _ANY,
    # audit
    "createdBy": _ANY,
    "lastUpdatedBy": _ANY,
}

# The vendor's own words for the one refusal it documents.
_MESSAGES = {"redemptionType": "Redemption type cannot be changed once the reward has started"}


def check_editable(changed: Iterable[str], state: State) -> None:
    """Refuse the first changed field that the reward's state locks, naming field and state."""
    for field in sorted(changed):
        if state not in EDITABLE_IN.get(field, _ANY):
            message = _MESSAGES.get(field, f"{field} cannot be changed while the reward is {state.value}")
            raise InvalidInput(message, code=RewardCode.FIELD_NOT_EDITABLE, field=field)
