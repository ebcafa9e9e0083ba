"""What a customer may have: one reward or the brand's list, judged for that customer;
and reads across connected orgs. Never writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from laurels.customers.models import Customer
from laurels.customers.repository import CustomerRepository
from laurels.kit.errors import Forbidden, InvalidInput, NotFound
from laurels.kit.validation import row_id
from laurels.rewards.eligibility import Profile, Usage, is_valid_for, visible_to_org
from laurels.rewards.models import Reward
from laurels.rewards.repository import RewardRepository
from laurels.rewards.state import to_state
from laurels.rewards.vocabulary import RewardCode
from laurels.tenancy.models import Brand
from laurels.tenancy.repository import TenancyRepository
from laurels.tenancy.service import TenancyCode


class DataScope(StrEnum):
    SELF = "SELF"
    OTHER = "OTHER"
    ALL = "ALL"


@dataclass(frozen=True)
class Offer:
    reward: Reward
    state: dict[str, Any]
    is_valid: bool


@dataclass(frozen=True)
class OfferFilters:
    group: str | None = None
    label: str | None = None
    category_id: int | None = None
    min_points: float | None = None
    max_points: float | None = None


def profile_of(customer: Customer | None) -> Profile:
    if customer is None:
        return Profile()
    return profile(
        tiers=customer.tiers,
        labels=customer.labels,
        card_series=customer.card_series,
        segments=customer.segments,
        partner_programs=customer.partner_programs,
        country_id=customer.country_id,
    )


def profile(
    *,
    tiers: list[dict[str, Any]],
    labels: list[int],
    card_series: list[str],
    segments: list[dict[str, Any]],
    partner_programs: list[int],
    country_id: int | None,
) -> Profile:
    """What eligibility looks at of a customer, from the customer's stored fields."""
    return Profile(
        tiers={t["loyaltyProgramId"]: t["tierId"] for t in tiers},
        labels=frozenset(labels),
        card_series=frozenset(card_series),
        partitions=frozenset((s["segmentId"], s["partitionId"]) for s in segments),
        partner_programs=frozenset(partner_programs),
        country_id=country_id,
    )


def points_price(state: dict[str, Any]) -> float:
    """What the reward costs in points: its POINTS (or POINTS_CASH) config, else intouchPoints."""
    for config in state.get("paymentConfigs") or []:
        if "points" in config:
            return float(config["points"])
    return float(state.get("intouchPoints") or 0)


def no_usage(_level: str, _index: int) -> float:
    """Usage where nothing is counted: a reward without limits, or a customer not known yet."""
    return 0


# For (reward pk, its restrictions) pairs, how much of each limit is used now (issuance.usage).
UsageOf = Callable[[Sequence[tuple[int, Mapping[str, Any] | None]]], Mapping[int, Usage]]


def judge(state: dict[str, Any], profile: Profile, *, owner_org_id: str, org_id: str, usage: Usage = no_usage) -> bool:
    """Whether this customer may have the reward: the one judgement every customer-facing read makes."""
    return is_valid_for(state, profile, owner_org_id=owner_org_id, org_id=org_id, usage=usage)


def brand_not_found(name: str) -> NotFound:
    return NotFound(f"Brand not found: {name}", code=RewardCode.BRAND_NOT_FOUND, field="brandName")


def matches(state: dict[str, Any], filters: OfferFilters) -> bool:
    group_names = {state.get("group")} | {g["groupName"] for g in state.get("groups") or []}
    price = points_price(state)
    return (
        (filters.group is None or filters.group in group_names)
        and (filters.label is None or state.get("label") == filters.label)
        and (filters.category_id is None or filters.category_id in (state.get("categories") or []))
        and (filters.min_points is None or price >= filters.min_points)
        and (filters.max_points is None or price <= filters.max_points)
    )


def order_key(state: dict[str, Any], reward_pk: int) -> tuple[int, int, int]:
    """How a customer's list is ordered: by priority (lower first), then rank (lower first,
    unranked last), then age."""
    rank = state.get("rewardRank")
    return (state.get("priority") or 0, rank if rank is not None else 2**31, reward_pk)


class OfferService:
    def __init__(self, session: Session) -> None:
        self.rewards = RewardRepository(session)
        self.customers = CustomerRepository(session)
        self.tenancy = TenancyRepository(session)

    def brand_by_name(self, org_id: str, name: str) -> Brand:
        brand = self.tenancy.get_brand_by_name(org_id, name)
        if brand is None:
            raise brand_not_found(name)
        return brand

    def for_customer(
        self, org_id: str, brand_name: str, ident: str, user_id: str | None, usage_of: UsageOf | None = None
    ) -> Offer:
        brand = self.brand_by_name(org_id, brand_name)
        reward = self.rewards.resolve(org_id, ident)
        if reward is None or reward.brand_id != brand.id or not reward.enabled:
            raise NotFound("Reward not found or disabled", code=RewardCode.REWARD_NOT_FOUND_OR_DISABLED)
        state = to_state(reward)
        used = usage_of([(reward.id, state.get("restrictions"))]) if usage_of is not None else {}
        is_valid = judge(
            state,
            self._profile(org_id, user_id),
            owner_org_id=reward.org_id,
            org_id=org_id,
            usage=used.get(reward.id, no_usage),
        )
        return Offer(reward=reward, state=state, is_valid=is_valid)

    def connected(self, org_id: str, ident: str, scope: str | None, scope_orgs: str | None) -> Reward:
        """Read a reward by integer id in the caller's org (SELF) or in named connected orgs (OTHER)."""
        chosen = (scope or DataScope.SELF).upper()
        if chosen == DataScope.ALL:
            raise InvalidInput(
                "Datascope 'ALL' is not supported for this 'API'",
                code=RewardCode.DATA_SCOPE_NOT_SUPPORTED,
                field="DATA-SCOPE",
            )
        if chosen == DataScope.SELF:
            orgs = [org_id]
        elif chosen == DataScope.OTHER:
            orgs = [o.strip() for o in (scope_orgs or "").split(",") if o.strip()]
            if not orgs:
                raise InvalidInput(
                    "DATA-SCOPE OTHER needs DATA-SCOPE-ORG: the org ids to read",
                    code=RewardCode.INVALID_DATA_SCOPE,
                    field="DATA-SCOPE-ORG",
                )
            outside = sorted(set(orgs) - set(self.tenancy.connected_org_ids(org_id)))
            if outside:
                raise Forbidden(
                    f"DATA-SCOPE-ORG names orgs outside this org's connected tree: {', '.join(outside)}",
                    code=TenancyCode.ORG_NOT_ALLOWED,
                    field="DATA-SCOPE-ORG",
                )
        else:
            raise InvalidInput(
                "DATA-SCOPE must be SELF, OTHER or ALL", code=RewardCode.INVALID_DATA_SCOPE, field="DATA-SCOPE"
            )
        pk = row_id(ident)
        reward = self.rewards.by_int_id(orgs, pk) if pk is not None else None
        # orgLevelRestrictions decide whether another org of the tree may see it.
        if reward is None or not visible_to_org(to_state(reward), reward.org_id, org_id):
            raise NotFound("Reward not found", code=RewardCode.REWARD_NOT_FOUND)
        return reward

    def _profile(self, org_id: str, user_id: str | None) -> Profile:
        return profile_of(self.customers.get(org_id, user_id) if user_id else None)
