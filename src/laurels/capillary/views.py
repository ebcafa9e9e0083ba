"""Rewards in Capillary's shapes: seed 002's reward detail and seed 001's per-user view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from laurels.kit.clock import utcnow
from laurels.rewards.lifecycle import State, state_of
from laurels.rewards.models import Reward
from laurels.rewards.offers import Offer
from laurels.rewards.state import to_state

# Seed 002 shows these as null, not [], when the reward has none.
_NULL_WHEN_EMPTY = ("communications", "categories", "geography", "owners")


def capillary_time(value: datetime | None) -> str | None:
    """Seed 001 and 002 write times as "YYYY-MM-DD HH:MM:SS", in UTC."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def _first_group(state: dict[str, Any]) -> tuple[str | None, int | None]:
    groups = state.get("groups") or []
    return (groups[0]["groupName"], groups[0]["groupRank"]) if groups else (None, None)


def reward_detail(reward: Reward) -> dict[str, Any]:
    """Seed 002's ``reward`` object (also what the create/get/list routes answer)."""
    state = to_state(reward)
    group_name, group_rank = _first_group(state)
    detail: dict[str, Any] = {
        "id": reward.id,
        "rewardId": reward.reward_id,
        "brandId": reward.brand_id,
        "name": reward.name,
        "description": reward.description,
        "type": state["type"],
        "startDate": capillary_time(reward.start_at),
        "endDate": capillary_time(reward.end_at),
        "state": state_of(reward.start_at, reward.end_at, utcnow()).value,
        "enabled": state["enabled"],
        "priority": state["priority"],
        "intouchPoints": state["intouchPoints"],
        "intouchSeriesId": state["intouchSeriesId"],
        "tier": state["tier"],
        "group": state["group"],
        "tillId": state["tillId"],
        "programId": state["programId"],
        "label": state["label"],
        "redemptionType": state["redemptionType"],
        "vendorId": state["vendorId"],
        "vendorRedemption": state["vendorRedemption"],
        "languageSpecificInfo": [{"rewardId": reward.id, **entry} for entry in state["languageSpecificInfo"]],
        "customFields": state["customFields"],
        "supplementaryCriteriaRO": state["supplementaryCriteriaRO"],
        "segment": state["segment"],
        "cardSeries": state["cardSeries"],
        "labels": state["labels"],
        "groups": state["groups"],
        "groupName": group_name,
        "groupRank": group_rank,
        "rewardRank": state["rewardRank"],
        "restrictions": state["restrictions"],
        "rewardRevenueMeta": state["rewardRevenueMeta"],
        "rewardRevenueDefaults": state["rewardRevenueDefaults"],
        "paymentConfigs": state["paymentConfigs"],
        "orgLevelRestrictions": state["orgLevelRestrictions"],
        "createdBy": state["createdBy"],
        "lastUpdatedBy": state["lastUpdatedBy"],
    }
    detail.update({f: state[f] or None for f in _NULL_WHEN_EMPTY})
    return detail


def language_of(state: dict[str, Any], language: str | None) -> dict[str, Any]:
    """The asked language if the reward has it enabled, else its first enabled language."""
    entries = state["languageSpecificInfo"] or [{}]
    enabled = [e for e in entries if e.get("enabled", True)] or entries
    if language:
        for entry in enabled:
            if entry.get("languageCode", "").lower() == language.lower():
                return dict(entry)
    return dict(enabled[0])


def _commission(state: dict[str, Any], participant: str) -> float:
    for entry in state["rewardRevenueDefaults"] or []:
        if entry["commissionParticipant"] == participant:
            return float(entry["defaultValue"])
    return 0


def user_reward(offer: Offer, language: str | None) -> dict[str, Any]:
    """Seed 001's ``reward`` object: one language, and whether this customer may have it."""
    reward, state = offer.reward, offer.state
    entry = language_of(state, language)
    lifecycle = state_of(reward.start_at, reward.end_at, utcnow())
    group_name, group_rank = _first_group(state)
    return {
        "id": reward.id,
        "languageCode": entry.get("languageCode"),
        "name": entry.get("name", reward.name),
        "description": entry.get("description", reward.description),
        "imageId": entry.get("imageId"),
        "imageUrl": entry.get("imageUrl"),
        "thumbnailId": entry.get("thumbnailId"),
        "thumbnailUrl": entry.get("thumbnailUrl"),
        "termAndConditionsId": entry.get("termNConditionsId"),
        "termAndConditionsUrl": entry.get("termNConditionsUrl"),
        "tier": state["tier"],
        "label": state["label"],
        "priority": state["priority"],
        "intouchPoints": state["intouchPoints"],
        "group": state["group"],
        "startTime": capillary_time(reward.start_at),
        "endTime": capillary_time(reward.end_at),
        "expired": lifecycle is State.ENDED,
        "started": lifecycle is not State.UPCOMING,
        "programId": state["programId"],
        "categoryList": state["categories"],
        "customFields": {**state["customFields"], **(entry.get("customFields") or {})},
        "loyaltyProgramCriteria": state["supplementaryCriteriaRO"],
        "rewardRestrictions": {"isValid": offer.is_valid},
        "appliedPromotions": [],
        "groupName": group_name,
        "groupRank": group_rank,
        "rewardRank": state["rewardRank"],
        "images": entry.get("images") or [],
        "videos": entry.get("videos") or [],
        "richContent": entry.get("richContentRO") or {},
        "rewardRevenueDetails": {
            "brandCommission": _commission(state, "BRAND"),
            "endCustomerCommission": _commission(state, "END_CUSTOMER"),
        },
        "rewardRevenueMeta": state["rewardRevenueMeta"],
        "paymentConfigs": state["paymentConfigs"],
    }
