"""Catalog operations on rewards. Never commits: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from laurels.codepools.repository import CodePoolRepository
from laurels.competitions.repository import CompetitionRepository
from laurels.kit import validation
from laurels.kit.clock import utcnow
from laurels.kit.errors import Conflict, InvalidInput, NotFound
from laurels.kit.validation import require_fields
from laurels.products.repository import ProductRepository
from laurels.rewards import rules
from laurels.rewards.blocks import parse_fields
from laurels.rewards.coercion import as_int
from laurels.rewards.lifecycle import State, check_editable, state_of
from laurels.rewards.models import Reward
from laurels.rewards.references import ReferenceChecker, referenced_keys
from laurels.rewards.repository import RewardRepository
from laurels.rewards.rules import ConfigRefs, check_rules
from laurels.rewards.state import (
    DEFAULT_CATEGORY,
    REDEMPTION_OF,
    apply_state,
    new_state,
    number_payment_configs,
    sync_content,
    to_state,
)
from laurels.rewards.vocabulary import RewardCode
from laurels.tenancy.repository import TenancyRepository


def _native_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """A native body's changes: its seed 003 fields, and seed 004's own (name, status, metadata)."""
    changes = parse_fields(body)
    if "name" in body:
        changes["name"] = validation.name(body["name"], code=RewardCode.INVALID_NAME)
    if "description" in body:
        changes["description"] = validation.description(body["description"], code=RewardCode.INVALID_DESCRIPTION)
    if body.get("status") is not None:
        changes["enabled"] = rules.check_status(body["status"])
    if "metadata" in body:
        changes["metadata"] = rules.check_metadata(body["metadata"])
    return changes


@dataclass(frozen=True)
class ResolvedRefs:
    product_pk: int | None = None
    competition_pk: int | None = None
    code_pool_pk: int | None = None


class RewardService:
    def __init__(self, session: Session) -> None:
        self.rewards = RewardRepository(session)
        self.products = ProductRepository(session)
        self.competitions = CompetitionRepository(session)
        self.pools = CodePoolRepository(session)
        self.tenancy = TenancyRepository(session)
        self.references = ReferenceChecker(session)

    # ---- reads ----------------------------------------------------------

    def get(self, org_id: str, ident: str, *, for_update: bool = False) -> Reward:
        reward = self.rewards.resolve(org_id, ident, for_update=for_update)
        if reward is None:
            raise NotFound("Reward not found", code=RewardCode.REWARD_NOT_FOUND)
        return reward

    def brand_page(
        self,
        org_id: str,
        brand_id: int,
        *,
        state: State | None,
        category: str | None,
        name: str | None,
        active_from: datetime | None,
        active_to: datetime | None,
        offset: int,
        limit: int,
    ) -> list[Reward]:
        if not self.tenancy.has_brand(org_id, brand_id):
            raise NotFound("Brand not found", code=RewardCode.BRAND_NOT_FOUND, field="brandId")
        return self.rewards.brand_page(
            org_id,
            brand_id,
            state=state.value if state else None,
            category=category,
            name=name,
            active_from=active_from,
            active_to=active_to,
            now=utcnow(),
            offset=offset,
            limit=limit,
        )

    # ---- writes ---------------------------------------------------------

    def create(self, org_id: str, actor: str, body: Mapping[str, Any]) -> Reward:
        """Create from a native (seed 004) body, which may also carry any seed 003 field."""
        require_fields(body, rules.REQUIRED_ON_CREATE)
        reward_type = rules.check_reward_type(body["rewardType"])
        config, refs = rules.validate_config(reward_type, body["config"])
        resolved = self._resolve_refs(org_id, refs)
        changes = _native_changes(body)
        changes.update(rewardType=reward_type.value, config=config)
        changes.setdefault("metadata", {})
        changes.setdefault("type", DEFAULT_CATEGORY.get(reward_type, "FREE_VOUCHER"))
        if body.get("brandId") is not None:
            changes["brandId"] = self.references.brand(org_id, body["brandId"])
        self._derive_fulfilment(reward_type, resolved, changes)
        reward_id = rules.reward_id(body.get("rewardId"))
        return self._insert(org_id, actor, reward_id, changes, resolved, explicit_id=body.get("rewardId") is not None)

    def create_catalog(self, org_id: str, actor: str, body: Mapping[str, Any]) -> Reward:
        """Create from a seed 003 body (the Capillary dialect). The dialect has already refused a
        body without the fields seed 003's create requires (capillary.schemas.require_create_fields)."""
        changes = parse_fields(body)
        changes["brandId"] = self.references.brand(org_id, as_int(body["brandId"], "brandId"))
        changes.setdefault("metadata", {})
        return self._insert(org_id, actor, rules.reward_id(None), changes, None)

    def update(self, org_id: str, ident: str, actor: str, body: Mapping[str, Any]) -> Reward:
        """A native partial update: fields left out keep their values."""
        reward = self.get(org_id, ident, for_update=True)
        if "rewardType" in body and body["rewardType"] != reward.reward_type:
            raise InvalidInput(
                "rewardType cannot be changed", code=RewardCode.REWARD_TYPE_IMMUTABLE, field="rewardType"
            )
        changes = _native_changes(body)
        resolved = None
        if "config" in body:
            if reward.reward_type is None:
                raise InvalidInput(
                    "This reward has no rewardType (its redemptionType has no seed 004 equivalent), so no config",
                    code=RewardCode.INVALID_CONFIG,
                    field="config",
                )
            reward_type = rules.RewardType(reward.reward_type)
            changes["config"], refs = rules.validate_config(reward_type, body["config"])
            resolved = self._resolve_refs(org_id, refs)
            self._derive_fulfilment(reward_type, resolved, changes, creating=False)
        return self._write(org_id, actor, reward, changes, resolved)

    def update_catalog(
        self, org_id: str, ident: str, actor: str, body: Mapping[str, Any], brand_id: int | None = None
    ) -> Reward:
        """A seed 003 partial update (the Capillary dialect), optionally scoped to a brand."""
        reward = self.get(org_id, ident, for_update=True)
        if brand_id is not None and reward.brand_id != brand_id:
            raise NotFound("Reward not found", code=RewardCode.REWARD_NOT_FOUND)
        return self._write(org_id, actor, reward, parse_fields(body), None)

    def delete(self, org_id: str, ident: str) -> None:
        self.rewards.delete(self.get(org_id, ident, for_update=True))

    # ---- helpers --------------------------------------------------------

    def _insert(
        self,
        org_id: str,
        actor: str,
        reward_id: str,
        changes: dict[str, Any],
        resolved: ResolvedRefs | None,
        *,
        explicit_id: bool = False,
    ) -> Reward:
        """Insert a new reward. ``resolved`` is what seed 004's config bound; None means the
        seed 003 fields decide what is delivered (see ``_derive_delivery``)."""
        if explicit_id and self.rewards.exists(org_id, reward_id):
            raise Conflict(
                "Reward with this ID already exists", code=RewardCode.REWARD_ALREADY_EXISTS, field="rewardId"
            )
        now = utcnow()
        changes.setdefault("createdBy", actor)
        changes.setdefault("lastUpdatedBy", changes["createdBy"])
        state = {**new_state(), **changes}
        sync_content(state, changes)
        number_payment_configs(state, [])
        check_rules(state, changes, now)
        pool_pk = self.references.check(org_id, state, set(changes))
        if resolved is None:
            resolved = self._derive_delivery(org_id, pool_pk, state)
        reward = Reward(org_id=org_id, reward_id=reward_id, created_at=now, updated_at=now, version=1)
        apply_state(reward, state)
        self._link(reward, resolved)
        try:
            self.rewards.insert(reward)
        except IntegrityError:
            if explicit_id:
                # Lost a race with a concurrent create of the same rewardId.
                raise Conflict(
                    "Reward with this ID already exists", code=RewardCode.REWARD_ALREADY_EXISTS, field="rewardId"
                ) from None
            # A generated id cannot collide: what the reward names was deleted meanwhile.
            raise Conflict(
                "What the reward references was deleted while it was being created; retry",
                code=RewardCode.REFERENCE_GONE,
                field="config",
            ) from None
        self.rewards.set_references(reward, referenced_keys(state), new=True)
        return reward

    def _write(
        self, org_id: str, actor: str, reward: Reward, changes: dict[str, Any], resolved: ResolvedRefs | None
    ) -> Reward:
        now = utcnow()
        before = to_state(reward)
        state = {**before, **changes}
        sync_content(state, changes)
        number_payment_configs(state, before["paymentConfigs"])
        changed = {field for field in state if state[field] != before[field]} - {"lastUpdatedBy"}
        if not changed:
            return reward
        current = state_of(reward.start_at, reward.end_at, now)
        check_editable(changed, current)
        ends = state["endTime"]
        if "endTime" in changed and current is not State.UPCOMING and ends is not None and ends <= now:
            raise InvalidInput(
                "endTime cannot be moved into the past once the reward has started",
                code=RewardCode.INVALID_SCHEDULE,
                field="endTime",
            )
        state["lastUpdatedBy"] = changes.get("lastUpdatedBy") or actor
        check_rules(state, changed, now)
        pool_pk = self.references.check(org_id, state, changed)
        # A seed 003 change of fulfilment re-decides what a pool-less or pool-backed reward delivers;
        # a reward created with another seed 004 type keeps it.
        fulfilment_changed = bool({"redemptionType", "intouchSeriesId"} & changed)
        if resolved is None and fulfilment_changed and reward.reward_type in (None, rules.RewardType.UNIQUE_COUPON):
            resolved = self._derive_delivery(org_id, pool_pk, state)
        apply_state(reward, state)
        if resolved is not None:
            self._link(reward, resolved)
        reward.updated_at = now
        self.rewards.flush()
        if referenced_keys(state) != referenced_keys(before):
            self.rewards.set_references(reward, referenced_keys(state))
        return reward

    @staticmethod
    def _link(reward: Reward, resolved: ResolvedRefs) -> None:
        reward.product_pk = resolved.product_pk
        reward.competition_pk = resolved.competition_pk
        reward.code_pool_pk = resolved.code_pool_pk

    def _derive_fulfilment(
        self, reward_type: rules.RewardType, resolved: ResolvedRefs, changes: dict[str, Any], *, creating: bool = True
    ) -> None:
        """Seed 004's type and config decide seed 003's redemption type and coupon series."""
        derived: dict[str, Any] = {}
        if creating:
            derived["redemptionType"] = REDEMPTION_OF.get(reward_type)
        if reward_type is rules.RewardType.UNIQUE_COUPON:
            derived["intouchSeriesId"] = str(resolved.code_pool_pk)
        elif creating:
            derived["intouchSeriesId"] = None
        for field, value in derived.items():
            if field in changes and changes[field] != value:
                raise InvalidInput(
                    f"{field} follows from rewardType and config ({value}); leave it out or send that value",
                    code=RewardCode.DERIVED_FIELD_MISMATCH,
                    field=field,
                )
            changes[field] = value

    def _derive_delivery(self, org_id: str, pool_pk: int | None, state: dict[str, Any]) -> ResolvedRefs:
        """Seed 003's coupon series decides seed 004's type: a pool-backed reward is a unique_coupon."""
        pool = self.pools.get_by_pk(org_id, pool_pk) if pool_pk is not None else None
        if pool is None:
            state.update(rewardType=None, config={})
        else:
            state.update(rewardType=rules.RewardType.UNIQUE_COUPON.value, config={"codePoolId": pool.code_pool_id})
        return ResolvedRefs(code_pool_pk=pool_pk)

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
