"""The one way a reward leaves the catalog.

``Pipeline.issue`` is every issuance: an operator's grant, a customer's purchase
(native or Capillary's issue API), a payout scheme's choice. In the caller's
transaction, in this order:

1. resolve the reward in the acting org (404 ``REWARD_NOT_FOUND``): its id and
   version, and from them its compiled plan (``issuance.plan``);
2. check it may be issued now: enabled, LIVE (409 ``REWARD_INACTIVE``,
   ``REWARD_NOT_STARTED``, ``REWARD_ENDED``);
3. a purchase's audience (409 ``NOT_ELIGIBLE``) and price (``PAYMENT_MODE_NOT_OFFERED``) —
   a grant or payout judges no audience: an operator's act, or the scheme's;
4. take the price in points (409 ``INSUFFICIENT_POINTS``);
5. deliver and record the issuance: credit points, record competition
   entries, claim a coupon code (409 ``CODE_POOL_EXHAUSTED``) …;
6. take every limit, customer-level entries in order then reward-level ones
   (409 ``CUSTOMER_LIMIT_REACHED`` / ``REWARD_LIMIT_REACHED``, naming the
   limit and when it resets), then a tracked product's stock (409
   ``OUT_OF_STOCK``) — last, and the very last counter and the stock with the
   commit, so the rows every issuance of the reward or the product updates
   are held for the shortest time;
7. the caller commits (``kit.unit.commit``).

Any refusal raises, and the caller's unit of work rolls back everything: a
refused request has counted, claimed, decremented and credited nothing.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from laurels.customers.service import CustomerService
from laurels.issuance import windows
from laurels.issuance.ledger import insufficient
from laurels.issuance.models import EVERY_CUSTOMER, Issuance
from laurels.issuance.plan import PLANS, IssuePlan
from laurels.issuance.repository import EPOCH, IssuanceRepository
from laurels.issuance.rules import (
    Count,
    IssuanceCode,
    LimitReached,
    LimitRule,
    Unavailable,
    check_issuable,
    offered,
    price_of,
    reward_not_found,
)
from laurels.kit.errors import InvalidInput
from laurels.rewards.eligibility import Profile, audience_rule, in_audience, in_geography
from laurels.rewards.offers import profile
from laurels.rewards.repository import RewardRepository
from laurels.rewards.rules import RewardType


@dataclass(frozen=True)
class Take:
    """One limit as this issuance takes it: a counter row (None for a ROLLING limit, which sums
    issuances instead) and the refusal if it has no room."""

    rule: LimitRule
    subject: int  # the customer's pk, or EVERY_CUSTOMER for a reward-level limit
    counter: dict[str, Any] | None
    refusal: Callable[[], LimitReached]
    window: windows.Window
    limit: windows.WindowRule


@dataclass(frozen=True)
class Purchase:
    """What makes an issuance a purchase: the audience is judged (unless the caller is trusted to
    have judged it: Capillary's ``skip_validation``) and the price is paid (``payment_mode`` None:
    a reward that lists no payment modes, issued free by Capillary's issue API)."""

    payment_mode: str | None
    cash_ref: str | None = None
    judge: bool = True


@dataclass(frozen=True)
class IssueRequest:
    reward: str  # the rewardId, or the integer id as digits
    user_id: str
    source: str  # grant, purchase
    campaign_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    quantity: int = 1
    purchase: Purchase | None = None


class Pipeline:
    def __init__(self, session: Session) -> None:
        self.rewards = RewardRepository(session)
        self.customers = CustomerService(session)
        self.records = IssuanceRepository(session)

    def issue(self, org_id: str, request: IssueRequest, now: datetime) -> Issuance:
        judged = request.purchase is not None and request.purchase.judge
        found = self.records.reward_facts(org_id, request.reward, request.user_id, judged=judged)
        if found is None:
            raise reward_not_found()
        customer_pk = found.customer_pk
        plan = PLANS.get(found.reward_pk, found.version) or self._compile(org_id, found.reward_pk)
        check_issuable(plan.enabled, plan.start_at, plan.end_at, now)
        if plan.count is None:
            raise Unavailable(plan.undeliverable or "", code=IssuanceCode.NOT_DELIVERABLE)
        if request.quantity > 1 and plan.code_pool_pk is not None:
            raise InvalidInput(
                "A reward delivered as a code is issued one at a time: quantity must be 1",
                code=IssuanceCode.INVALID_QUANTITY,
                field="quantity",
            )
        count = plan.count.times(request.quantity)
        payment = None
        if judged:
            self._judge(plan, found.profile)
        if request.purchase is not None and request.purchase.payment_mode is not None:
            payment = price_of(
                offered(plan.payment_configs, request.purchase.payment_mode),
                plan.count.value,
                request.quantity,
                request.purchase.cash_ref,
            )
        if customer_pk is None:
            customer_pk = self.customers.ensure_pk(org_id, request.user_id)
        if payment is not None and payment["points"]:
            paid = self.records.debit_points(customer_pk, payment["points"], now)
            if paid is None:
                raise insufficient(self.records.balance(customer_pk), payment["points"])
            payment["balance"] = paid
        issuance = Issuance(
            org_id=org_id,
            transaction_id=f"txn_{uuid.uuid4().hex}",
            reward_pk=plan.reward_pk,
            reward_id=plan.reward_id,
            reward_type=plan.reward_type,
            redemption_type=plan.redemption_type,
            customer_pk=customer_pk,
            user_id=request.user_id,
            source=request.source,
            campaign_id=request.campaign_id,
            quantity=count.quantity,
            value=count.value,
            delivered={},
            payment=payment,
            state="issued",
            meta=request.metadata,
            created_at=now,
        )
        tz = ZoneInfo(found.timezone)
        takes = [
            self._limit(org_id, plan.reward_pk, rule, customer_pk, count=count, now=now, tz=tz) for rule in plan.limits
        ]
        # What a reversal gives back: the counters as taken now, whatever the limits become.
        issuance.counted = [
            [
                t.counter["limit_key"],
                t.counter["customer_pk"],
                t.counter["window_start"].isoformat(),
                t.counter["amount"],
            ]
            for t in takes
            if t.counter is not None
        ]
        self._deliver(org_id, plan, issuance, now)
        # Limits and stock last. A reward-level counter and a product's stock are the rows every
        # issuance of the reward or the product updates; taken with the commit, each is held only
        # while the database commits. Refused here (or at the commit), all of the above rolls
        # back with it.
        final = len(takes) - 1
        for position, take in enumerate(takes):
            if take.counter is None:
                self._take_rolling(org_id, plan.reward_pk, take, tz)
            elif position == final:
                self.records.take_counter_at_commit(take.counter, take.refusal)
            elif not self.records.take_counter(take.counter):
                raise take.refusal()
        self._take_inventory(plan, request.quantity)
        return issuance

    def _record(self, issuance: Issuance) -> None:
        """Insert the issuance, and the ledger's debit of the points it was paid with (before any
        credit it delivers, so the entries read in the order the balance moved)."""
        self.records.insert_issuance(issuance)
        payment = issuance.payment
        if payment is not None and payment["points"]:
            self.records.add_points_entry(
                issuance.org_id,
                issuance.customer_pk,
                kind="debit",
                amount=-payment["points"],
                balance=payment["balance"],
                issuance_pk=issuance.id,
                now=issuance.created_at,
            )

    def _judge(self, plan: IssuePlan, attributes: dict[str, Any] | None) -> None:
        """A purchase is for the reward's audience: the judgement every customer-facing read makes
        (a customer not yet known has no attributes)."""
        customer = profile(**attributes) if attributes is not None else Profile()
        if not in_audience(plan.audience, customer):
            rule = audience_rule(plan.audience)
            raise Unavailable(
                f"The customer is not in the reward's audience ({rule})",
                code=IssuanceCode.NOT_ELIGIBLE,
                field=rule,
            )
        if not in_geography(plan.audience, customer):
            raise Unavailable(
                "The customer is not in the reward's geography", code=IssuanceCode.NOT_ELIGIBLE, field="geography"
            )

    def _compile(self, org_id: str, reward_pk: int) -> IssuePlan:
        reward = self.rewards.by_pks(org_id, [reward_pk])[0]
        plan = IssuePlan.of(
            reward,
            product_id=None if reward.product_pk is None else self.records.product_id(reward.product_pk),
            competition_id=None
            if reward.competition_pk is None
            else self.records.competition_id(reward.competition_pk),
        )
        PLANS.put(reward.id, reward.version, plan)
        return plan

    # ---- limits ---------------------------------------------------------------------

    def _limit(
        self,
        org_id: str,
        reward_pk: int,
        rule: LimitRule,
        customer_pk: int,
        *,
        count: Count,
        now: datetime,
        tz: ZoneInfo,
    ) -> Take:
        subject = customer_pk if rule.per_customer else EVERY_CUSTOMER
        limit = windows.WindowRule.of(rule.entry, tz)
        window = windows.window_at(limit, now, tz)
        refusal = functools.partial(LimitReached, rule, window.end)
        if rule.entry.get("windowType") == "ROLLING" and window.start is not None:
            return Take(rule, subject, None, refusal, window, limit)
        counter = {
            "org_id": org_id,
            "reward_pk": reward_pk,
            "limit_key": rule.key,
            "customer_pk": subject,
            "window_start": window.start or EPOCH,
            "amount": count.of(rule.kpi),
            "cap": rule.cap,
        }
        return Take(rule, subject, counter, refusal, window, limit)

    def _take_rolling(self, org_id: str, reward_pk: int, take: Take, tz: ZoneInfo) -> None:
        """A rolling window has no row per window: the sum of what was issued in it is read under the
        lock of the limit's one counter row, so no other issuance adds to it meanwhile."""
        rule, subject = take.rule, take.subject
        start = take.window.start or EPOCH  # a ROLLING limit's window always has a start
        if not self.records.lock_counter(reward_pk, rule.key, subject):
            self.records.ensure_counter(
                org_id, reward_pk, rule.key, customer_pk=subject, window_start=EPOCH, cap=rule.cap
            )
            self.records.lock_counter(reward_pk, rule.key, subject)
        customer = subject if rule.per_customer else None
        # The sum includes this issuance, recorded above in this transaction.
        if self.records.issued_since(reward_pk, customer, start, rule.kpi) > rule.cap:
            oldest = self.records.oldest_since(reward_pk, customer, start)
            raise LimitReached(rule, windows.rolling_reset(take.limit, oldest, tz) if oldest else None)

    # ---- inventory and delivery ---------------------------------------------------------

    def _take_inventory(self, plan: IssuePlan, units: int) -> None:
        if plan.reward_type == RewardType.PRODUCT and plan.product_pk is not None:
            quantity = plan.product_quantity * units
            refusal = functools.partial(
                Unavailable, f"The product has fewer than {quantity} in stock", code=IssuanceCode.OUT_OF_STOCK
            )
            self.records.take_stock_at_commit(plan.product_pk, quantity, refusal)

    def _deliver(self, org_id: str, plan: IssuePlan, issuance: Issuance, now: datetime) -> None:
        """Deliver by kind and record the issuance with what was delivered (its id set)."""
        kind = plan.reward_type
        value = issuance.value
        if kind == RewardType.POINTS:
            balance = self.records.credit_points(org_id, issuance.customer_pk, value, now)
            issuance.delivered = {"points": value, "balance": balance}
            self._record(issuance)
            self.records.add_points_entry(
                org_id,
                issuance.customer_pk,
                kind="credit",
                amount=value,
                balance=balance,
                issuance_pk=issuance.id,
                now=now,
            )
        elif kind == RewardType.PRODUCT and plan.product_pk is not None:
            issuance.delivered = {"productId": plan.product_id, "quantity": value}
            self._record(issuance)
        elif kind == RewardType.COMPETITION_ENTRY and plan.competition_pk is not None:
            issuance.delivered = {"competitionId": plan.competition_id, "entries": value}
            self._record(issuance)
            self.records.add_entries(
                org_id,
                plan.competition_pk,
                customer_pk=issuance.customer_pk,
                user_id=issuance.user_id,
                entries=value,
                issuance_pk=issuance.id,
                now=now,
            )
        elif plan.shared_code is not None:
            issuance.delivered = dict(plan.shared_code)
            self._record(issuance)
        elif plan.code_pool_pk is not None:
            # unique_coupon, and Capillary's INTOUCH_REWARD / VENDOR_INTOUCH_REWARD through their series' pool.
            self._record(issuance)
            code = self.records.claim_code(plan.code_pool_pk, issuance.id, now)
            if code is None:
                raise Unavailable("The reward's code pool has no code left", code=IssuanceCode.CODE_POOL_EXHAUSTED)
            issuance.delivered = {"code": code}
            self.records.set_delivered(issuance.id, issuance.delivered)
        else:
            # A vendor-fulfilled redemption (MILES, GIFT_CARD, …): Laurels records it; the vendor delivers.
            issuance.delivered = {"redemptionType": plan.redemption_type, "fulfilledBy": "vendor"}
            self._record(issuance)
