"""Catalog operations on rewards. Never commits: the caller's unit of work does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.codepools.repository import CodePoolRepository
from laurels.competitions.repository import CompetitionRepository
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, NotFound
from laurels.kit.pagination import decode_cursor, next_cursor
from laurels.kit.validation import require_fields
from laurels.products.repository import ProductRepository
from laurels.rewards import rules
from laurels.rewards.models import Reward
from laurels.rewards.repository import RewardRepository
from laurels.rewards.rules import ConfigRefs, RewardCode
from laurels.rewards.schemas import RewardCreate, RewardUpdate


@dataclass(frozen=True)
class ResolvedRefs:
    product_pk: int | None = None
    competition_pk: int | None = None
    code_pool_pk: int | None = None


@dataclass(frozen=True)
class RewardPage:
    rewards: list[Reward]
    next_cursor: str | None


class RewardService:
    def __init__(self, session: Session) -> None:
        self.rewards = RewardRepository(session)
        self.products = ProductRepository(session)
        self.competitions = CompetitionRepository(session)
        self.pools = CodePoolRepository(session)

    # ---- reads ----------------------------------------------------------

    def get(self, org_id: str, ident: str, *, for_update: bool = False) -> Reward:
        reward = self.rewards.resolve(org_id, ident, for_update=for_update)
        if reward is None:
            raise NotFound("Reward not found", code=RewardCode.REWARD_NOT_FOUND)
        return reward

    def list(
        self, org_id: str, *, status: str | None, reward_type: str | None, cursor: str | None, limit: int
    ) -> RewardPage:
        enabled = rules.check_status(status) if status is not None else None
        if reward_type is not None:
            rules.check_reward_type(reward_type)
        rewards = self.rewards.list_page(
            org_id, enabled=enabled, reward_type=reward_type, after=decode_cursor(cursor), limit=limit
        )
        return RewardPage(rewards, next_cursor([r.id for r in rewards], limit))

    # ---- writes ---------------------------------------------------------

    def create(self, org_id: str, body: RewardCreate) -> Reward:
        require_fields(body.model_dump(), rules.REQUIRED_ON_CREATE)
        reward_type = rules.check_reward_type(body.rewardType)
        config, refs = rules.validate_config(reward_type, body.config)
        resolved = self._resolve_refs(org_id, refs)
        reward_id = rules.reward_id(body.rewardId)
        if body.rewardId is not None and self.rewards.exists(org_id, reward_id):
            raise Conflict(
                "Reward with this ID already exists", code=RewardCode.REWARD_ALREADY_EXISTS, field="rewardId"
            )
        now = utcnow()
        reward = Reward(
            org_id=org_id,
            reward_id=reward_id,
            name=rules.check_name(body.name),
            description=rules.check_description(body.description),
            reward_type=reward_type.value,
            enabled=rules.check_status(body.status) if body.status is not None else True,
            config=config,
            meta=rules.check_metadata(body.metadata),
            product_pk=resolved.product_pk,
            competition_pk=resolved.competition_pk,
            code_pool_pk=resolved.code_pool_pk,
            created_at=now,
            updated_at=now,
        )
        try:
            return self.rewards.add(reward)
        except IntegrityError:
            if body.rewardId is not None:
                # Lost a race with a concurrent create of the same rewardId.
                raise Conflict(
                    "Reward with this ID already exists", code=RewardCode.REWARD_ALREADY_EXISTS, field="rewardId"
                ) from None
            # A generated id cannot collide: what the config names was deleted meanwhile.
            raise Conflict(
                "What the config references was deleted while the reward was being created; retry",
                code=RewardCode.REFERENCE_GONE,
                field="config",
            ) from None

    def update(self, org_id: str, ident: str, body: RewardUpdate) -> Reward:
        reward = self.get(org_id, ident, for_update=True)
        given = body.model_fields_set
        if "rewardType" in given and body.rewardType != reward.reward_type:
            raise InvalidInput(
                "rewardType cannot be changed", code=RewardCode.REWARD_TYPE_IMMUTABLE, field="rewardType"
            )
        changes: dict[str, Any] = {}
        if "name" in given:
            changes["name"] = rules.check_name(body.name)
        if "description" in given:
            changes["description"] = rules.check_description(body.description)
        if "status" in given:
            changes["enabled"] = rules.check_status(body.status or "")
        if "metadata" in given:
            changes["meta"] = rules.check_metadata(body.metadata)
        if "config" in given:
            config, refs = rules.validate_config(rules.RewardType(reward.reward_type), body.config)
            resolved = self._resolve_refs(org_id, refs)
            changes.update(
                config=config,
                product_pk=resolved.product_pk,
                competition_pk=resolved.competition_pk,
                code_pool_pk=resolved.code_pool_pk,
            )
        if changes:
            for attr, value in changes.items():
                setattr(reward, attr, value)
            reward.updated_at = utcnow()
            self.rewards.session.flush()
        return reward

    def delete(self, org_id: str, ident: str) -> None:
        self.rewards.delete(self.get(org_id, ident, for_update=True))

    # ---- helpers --------------------------------------------------------

    def _resolve_refs(self, org_id: str, refs: ConfigRefs) -> ResolvedRefs:
        if refs.product_id is not None:
            product = self.products.get(org_id, refs.product_id)
            if product is None:
                raise InvalidInput(
                    "productId must reference an existing product",
                    code=RewardCode.PRODUCT_NOT_FOUND,
                    field="config.productId",
                )
            return ResolvedRefs(product_pk=product.id)
        if refs.competition_id is not None:
            competition = self.competitions.get(org_id, refs.competition_id)
            if competition is None:
                raise InvalidInput(
                    "competitionId must reference an existing competition",
                    code=RewardCode.COMPETITION_NOT_FOUND,
                    field="config.competitionId",
                )
            return ResolvedRefs(competition_pk=competition.id)
        if refs.code_pool_id is not None:
            pool = self.pools.get(org_id, refs.code_pool_id)
            if pool is None or not self.pools.has_available(pool.id):
                raise InvalidInput(
                    "codePoolId must reference an existing code pool with available codes",
                    code=RewardCode.CODE_POOL_NOT_FOUND,
                    field="config.codePoolId",
                )
            return ResolvedRefs(code_pool_pk=pool.id)
        return ResolvedRefs()
