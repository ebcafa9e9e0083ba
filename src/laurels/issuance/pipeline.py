"""The one way a reward leaves the catalog.

``Pipeline.issue`` is every issuance: an operator's grant today, a customer's
purchase or a payout choice next. In the caller's transaction, in this order:

1. resolve the reward in the acting org (404 ``REWARD_NOT_FOUND``);
2. check it may be issued now: enabled, LIVE (409 ``REWARD_INACTIVE``,
   ``REWARD_NOT_STARTED``, ``REWARD_ENDED``);
3. (eligibility, where the caller asks for it — a grant does not: it is an
   operator's act and bypasses the audience, never state, limits or inventory);
4. take inventory: a tracked product's stock (409 ``OUT_OF_STOCK``);
5. record the issuance, then deliver: credit points, record competition
   entries, claim a coupon code (409 ``CODE_POOL_EXHAUSTED``) …;
6. take every limit, reward-level entries in order then customer-level ones
   (409 ``REWARD_LIMIT_REACHED`` / ``CUSTOMER_LIMIT_REACHED``, naming the
   limit and when it resets) — last, so the row every issuance of the reward
   updates is held for the shortest time;
7. the caller commits.

Any refusal raises, and the caller's unit of work rolls back everything: a
refused request has counted, claimed, decremented and credited nothing.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from laurels.customers.service import CustomerService
from laurels.issuance import windows
from laurels.issuance.models import EVERY_CUSTOMER, Issuance
from laurels.issuance.repository import EPOCH, IssuanceRepository
from laurels.issuance.rules import (
    Count,
    IssuanceCode,
    LimitReached,
    LimitRule,
    Unavailable,
    check_issuable,
    count_of,
    limit_rules,
    reward_not_found,
)
from laurels.rewards.models import Reward
from laurels.rewards.repository import RewardRepository
from laurels.rewards.rules import RewardType
from laurels.tenancy.repository import TenancyRepository


@dataclass(frozen=True)
class IssueRequest:
    reward: str  # the rewardId, or the integer id as digits
    user_id: str
    source: str  # grant
    campaign_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class Pipeline:
    def __init__(self, session: Session) -> None:
        self.rewards = RewardRepository(session)
        self.tenancy = TenancyRepository(session)
        self.customers = CustomerService(session)
        self.records = IssuanceRepository(session)

    def issue(self, org_id: str, request: IssueRequest, now: datetime) -> Issuance:
        reward = self.rewards.resolve(org_id, request.reward)
        if reward is None:
            raise reward_not_found()
        check_issuable(reward.enabled, reward.start_at, reward.end_at, now)
        customer = self.customers.ensure(org_id, request.user_id)
        count = count_of(reward.reward_type, reward.config, reward.intouch_points)
        self._take_inventory(reward)
        issuance = self.records.add(
            Issuance(
                org_id=org_id,
                transaction_id=f"txn_{uuid.uuid4().hex}",
                reward_pk=reward.id,
                reward_id=reward.reward_id,
                reward_type=reward.reward_type,
                redemption_type=reward.redemption_type,
                customer_pk=customer.id,
                user_id=customer.user_id,
                source=request.source,
                campaign_id=request.campaign_id,
                quantity=count.quantity,
                value=count.value,
                delivered={},
                state="issued",
                meta=request.metadata,
                created_at=now,
            )
        )
        issuance.delivered = self._deliver(org_id, reward, issuance, count, now)
        self.records.flush()
        # Limits last. A reward-level counter is the one row every issuance of the reward
        # updates; taken last, it is held only from here to the commit, not across the
        # statements above. Refused here, all of those roll back with it.
        org = self.tenancy.get_org(org_id)
        tz = ZoneInfo(org.timezone if org is not None else "UTC")
        for rule in limit_rules((reward.catalog or {}).get("restrictions")):
            subject = customer.id if rule.per_customer else EVERY_CUSTOMER
            self._take(org_id, reward.id, rule, customer_pk=subject, count=count, now=now, tz=tz)
        return issuance

    # ---- limits ---------------------------------------------------------------------

    def _take(
        self,
        org_id: str,
        reward_pk: int,
        rule: LimitRule,
        *,
        customer_pk: int,
        count: Count,
        now: datetime,
        tz: ZoneInfo,
    ) -> None:
        amount = count.of(rule.kpi)
        limit = windows.WindowRule.of(rule.entry, tz)
        window = windows.window_at(limit, now, tz)
        if rule.entry.get("windowType") == "ROLLING" and window.start is not None:
            # A rolling window has no row per window: the sum of what was issued in it is read
            # under the lock of the limit's one counter row, so no other issuance adds to it meanwhile.
            if not self.records.lock_counter(reward_pk, rule.key, customer_pk):
                self.records.ensure_counter(
                    org_id, reward_pk, rule.key, customer_pk=customer_pk, window_start=EPOCH, cap=rule.cap
                )
                self.records.lock_counter(reward_pk, rule.key, customer_pk)
            subject = customer_pk if rule.per_customer else None
            # The sum includes this issuance, recorded above in this transaction.
            used = self.records.issued_since(reward_pk, subject, window.start, rule.kpi)
            if used > rule.cap:
                oldest = self.records.oldest_since(reward_pk, subject, window.start)
                raise LimitReached(rule, windows.rolling_reset(limit, oldest, tz) if oldest else None)
            return
        start = window.start or EPOCH
        take = functools.partial(
            self.records.take_counter,
            reward_pk,
            rule.key,
            customer_pk=customer_pk,
            window_start=start,
            amount=amount,
            cap=rule.cap,
        )
        taken = take()
        if not taken:
            # No row yet (the window's first issuance) or no room: create the row if missing
            # and try once more. The usual case is one statement, not an insert and an update.
            self.records.ensure_counter(
                org_id, reward_pk, rule.key, customer_pk=customer_pk, window_start=start, cap=rule.cap
            )
            taken = take()
        if not taken:
            raise LimitReached(rule, window.end)

    # ---- inventory and delivery ---------------------------------------------------------

    def _take_inventory(self, reward: Reward) -> None:
        if reward.reward_type == RewardType.PRODUCT and reward.product_pk is not None:
            quantity = int(reward.config.get("quantity", 1))
            if not self.records.take_stock(reward.product_pk, quantity):
                raise Unavailable(f"The product has fewer than {quantity} in stock", code=IssuanceCode.OUT_OF_STOCK)

    def _deliver(self, org_id: str, reward: Reward, issuance: Issuance, count: Count, now: datetime) -> dict[str, Any]:
        kind = reward.reward_type
        config = reward.config or {}
        if kind == RewardType.POINTS:
            balance = self.records.credit_points(org_id, issuance.customer_pk, count.value, issuance.id, now)
            return {"points": count.value, "balance": balance}
        if kind == RewardType.PRODUCT and reward.product_pk is not None:
            return {"productId": self.records.product_id(reward.product_pk), "quantity": count.value}
        if kind == RewardType.COMPETITION_ENTRY and reward.competition_pk is not None:
            self.records.add_entries(
                org_id,
                reward.competition_pk,
                customer_pk=issuance.customer_pk,
                user_id=issuance.user_id,
                entries=count.value,
                issuance_pk=issuance.id,
                now=now,
            )
            return {"competitionId": self.records.competition_id(reward.competition_pk), "entries": count.value}
        if kind == RewardType.NON_UNIQUE_COUPON:
            return {
                "code": config["code"],
                "discountType": config["discountType"],
                "discountValue": config["discountValue"],
            }
        if reward.code_pool_pk is not None:
            # unique_coupon, and Capillary's INTOUCH_REWARD / VENDOR_INTOUCH_REWARD through their series' pool.
            code = self.records.claim_code(reward.code_pool_pk, issuance.id, now)
            if code is None:
                raise Unavailable("The reward's code pool has no code left", code=IssuanceCode.CODE_POOL_EXHAUSTED)
            return {"code": code}
        # A vendor-fulfilled redemption (MILES, GIFT_CARD, …): Laurels records it; the vendor delivers.
        return {"redemptionType": reward.redemption_type, "fulfilledBy": "vendor"}
