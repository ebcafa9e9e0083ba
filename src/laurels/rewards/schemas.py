"""Request and response bodies of the native rewards API (seed 004's shapes)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from laurels.kit.clock import iso_ms
from laurels.kit.http import Message
from laurels.rewards.models import Reward
from laurels.rewards.rules import REWARD_TYPES, STATUSES

_TYPE_DOC = "points, product, competition_entry, unique_coupon or non_unique_coupon"
_CONFIG_DOC = (
    "Type-specific configuration. points: {amount}; product: {productId, quantity=1}; "
    "competition_entry: {competitionId, entries=1}; unique_coupon: {codePoolId}; "
    "non_unique_coupon: {code, discountType (percentage|fixed), discountValue}."
)


class RewardCreate(BaseModel):
    # Required fields are checked by the domain rules, so one message can list
    # every missing one ("Missing required fields: name, rewardType, config").
    # Unknown fields are ignored, so a body read back from GET can be sent again.
    model_config = ConfigDict(json_schema_extra={"required": ["name", "rewardType", "config"]})

    name: str | None = Field(default=None, description="Reward name.", max_length=255)
    rewardType: str | None = Field(default=None, description=_TYPE_DOC, json_schema_extra={"enum": list(REWARD_TYPES)})
    config: dict[str, Any] | None = Field(default=None, description=_CONFIG_DOC)
    description: str | None = None
    status: str | None = Field(
        default=None, description="active (default) or inactive", json_schema_extra={"enum": list(STATUSES)}
    )
    metadata: dict[str, Any] | None = Field(default=None, description="Free-form metadata (default {}).")
    rewardId: str | None = Field(
        default=None,
        description="Optional id of your choosing; generated (rew_<uuid>) when absent. 409 if taken.",
    )


class RewardUpdate(BaseModel):
    """Any field of create except rewardType; fields left out keep their values."""

    name: str | None = Field(default=None, max_length=255)
    config: dict[str, Any] | None = None
    description: str | None = None
    status: str | None = Field(default=None, json_schema_extra={"enum": list(STATUSES)})
    metadata: dict[str, Any] | None = None
    rewardType: str | None = Field(
        default=None, description="Cannot be changed; accepted only when equal to the current type."
    )


class RewardOut(BaseModel):
    id: int = Field(description="Integer id; addresses the same reward as rewardId.")
    orgId: str
    rewardId: str
    name: str
    description: str | None
    rewardType: str
    status: Literal["active", "inactive"]
    config: dict[str, Any]
    metadata: dict[str, Any]
    createdAt: str
    updatedAt: str
    orgStatusKey: str

    @classmethod
    def of(cls, reward: Reward) -> RewardOut:
        status: Literal["active", "inactive"] = "active" if reward.enabled else "inactive"
        return cls(
            id=reward.id,
            orgId=reward.org_id,
            rewardId=reward.reward_id,
            name=reward.name,
            description=reward.description,
            rewardType=reward.reward_type,
            status=status,
            config=reward.config,
            metadata=reward.meta,
            createdAt=iso_ms(reward.created_at),
            updatedAt=iso_ms(reward.updated_at),
            orgStatusKey=f"{reward.org_id}#{status}",
        )


class RewardCreated(BaseModel):
    message: str = "Reward created successfully"
    reward: RewardOut


class RewardList(BaseModel):
    rewards: list[RewardOut]
    count: int = Field(description="Number of rewards in this page.")
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


__all__ = ["Message", "RewardCreate", "RewardCreated", "RewardList", "RewardOut", "RewardUpdate"]
