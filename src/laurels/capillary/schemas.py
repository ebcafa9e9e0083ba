"""Seed 003's request body and the Capillary response envelopes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from laurels.capillary.envelope import Status
from laurels.rewards.schemas import CatalogFieldsIn


class CapillaryRewardIn(CatalogFieldsIn):
    """Seed 003's request body. Numbers may be strings; unknown fields are ignored."""

    name: Any = Field(default=None, description="Default-language name (languageSpecificInfo wins when both given).")
    description: Any = Field(default=None, description="Default-language description.")
    brandId: Any = Field(default=None, description="Brand id (required on create).")


class RewardEnvelope(BaseModel):
    status: Status
    reward: dict[str, Any] | None


class RewardsEnvelope(BaseModel):
    status: Status
    rewards: list[dict[str, Any]]
    pagination: dict[str, int]
