"""What issuing needs of a reward, compiled once per reward version.

A grant reads two numbers of its reward (its integer id and version) and takes
everything else from the reward's plan: its state's inputs, what one issuance
counts, its limits with their stable keys, and where delivery goes. The plan is
compiled from the reward's document the first time a process issues that
version, and kept per process (``kit.rendered.VersionCache``): every write of a
reward bumps its version in the same transaction, so the plan of ``(id,
version)`` is the reward as committed at that version, and a grant that reads
a newer version compiles the newer plan. The reward the plan is compiled from
is read in a transaction that does not write it, so the version it carries is
committed, never one a rollback could hand to a different write.

So the hot path parses no JSON of the reward document and builds no limit keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from laurels.issuance.rules import Count, LimitRule, Unavailable, count_of, limit_rules
from laurels.kit.rendered import VersionCache
from laurels.rewards.models import Reward
from laurels.rewards.rules import RewardType
from laurels.rewards.state import to_state

# The fields of a reward a purchase's eligibility reads (rewards.eligibility).
AUDIENCE = ("cardSeries", "labels", "segment", "supplementaryCriteriaRO", "geography")


@dataclass(frozen=True)
class IssuePlan:
    reward_pk: int
    reward_id: str
    reward_type: str | None
    redemption_type: str | None
    enabled: bool
    start_at: datetime | None
    end_at: datetime | None
    count: Count | None
    # Why the reward cannot be delivered (a fractional points amount), refused after its state.
    undeliverable: str | None
    # The order the pipeline takes them in: customer-level entries, then reward-level ones.
    limits: tuple[LimitRule, ...]
    product_pk: int | None
    product_quantity: int
    competition_pk: int | None
    # Their public ids, for what an issuance delivered (neither can change).
    product_id: str | None
    competition_id: str | None
    code_pool_pk: int | None
    shared_code: dict[str, Any] | None  # non_unique_coupon: the code every issuance gets
    # What a purchase judges and charges: the reward's audience and geography (seed 003's fields,
    # as rewards.eligibility reads them) and its paymentConfigs.
    audience: dict[str, Any]
    payment_configs: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, reward: Reward, *, product_id: str | None = None, competition_id: str | None = None) -> IssuePlan:
        config = reward.config or {}
        count: Count | None = None
        undeliverable: str | None = None
        try:
            count = count_of(reward.reward_type, config, reward.intouch_points)
        except Unavailable as refusal:
            undeliverable = refusal.message
        rules = limit_rules((reward.catalog or {}).get("restrictions"))
        state = to_state(reward)
        shared = None
        if reward.reward_type == RewardType.NON_UNIQUE_COUPON:
            shared = {k: config[k] for k in ("code", "discountType", "discountValue")}
        return cls(
            reward_pk=reward.id,
            reward_id=reward.reward_id,
            reward_type=reward.reward_type,
            redemption_type=reward.redemption_type,
            enabled=reward.enabled,
            start_at=reward.start_at,
            end_at=reward.end_at,
            count=count,
            undeliverable=undeliverable,
            limits=tuple(r for r in rules if r.per_customer) + tuple(r for r in rules if not r.per_customer),
            product_pk=reward.product_pk,
            product_quantity=int(config.get("quantity", 1)),
            competition_pk=reward.competition_pk,
            product_id=product_id,
            competition_id=competition_id,
            code_pool_pk=reward.code_pool_pk,
            shared_code=shared,
            audience={k: state[k] for k in AUDIENCE if state.get(k)},
            payment_configs=tuple(state.get("paymentConfigs") or ()),
        )


PLANS: VersionCache[IssuePlan] = VersionCache()
